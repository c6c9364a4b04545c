/** Test support for applications built on Agate: {@link dev.agate.testing.TrackedSession}. */
package dev.agate.testing;
