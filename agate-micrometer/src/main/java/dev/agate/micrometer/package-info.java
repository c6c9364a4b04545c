/**
 * Metrics and traces of an Agate host, through Micrometer. See docs/observability.md.
 */
package dev.agate.micrometer;
