/**
 * Test support for applications built on Agate and for store modules: {@link dev.agate.testing.TrackedSession}
 * to wait for a host's work, {@link dev.agate.testing.InMemoryMessageStore} for fast tests without a
 * database, and {@link dev.agate.testing.MessageStoreCompliance}, the acceptance kit every message store
 * extends.
 */
package dev.agate.testing;
