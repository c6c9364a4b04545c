/**
 * How {@link dev.agate.micrometer.AgateMetrics} makes its meters: from events, from store calls, and from the
 * store's status. Not an API: it may change in any release.
 */
package dev.agate.micrometer.internal;
