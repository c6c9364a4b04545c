/**
 * Extension points: serializers, observers of message events, and the message store (inbox, outbox,
 * dead letters, nodes and leases, admin) that durable endpoints keep their envelopes in, and the
 * transports ({@link dev.agate.spi.Transport}) behind endpoint schemes other than {@code local}.
 * Implementations must be thread-safe unless their javadoc says otherwise.
 */
package dev.agate.spi;
