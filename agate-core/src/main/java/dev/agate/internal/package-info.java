/** Agate's implementation. Nothing here is API: it may change in any release. */
package dev.agate.internal;
