package dev.agate.internal.execution;

import dev.agate.Envelope;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an envelope waits for its next attempt: in the store for a durable one, so a crash neither loses
 * the retry nor resets its attempts, else in memory, counted as work close() drains. Thread-safe.
 */
final class Retries {
    private static final Logger log = LoggerFactory.getLogger(Retries.class);

    private final Collaborators services;

    Retries(Collaborators services) {
        this.services = services;
    }

    /** A scheduled retry: in the store for a durable envelope (it survives a restart), else in memory. */
    void schedule(Envelope envelope, Endpoint origin, Instant at) {
        if (services.isDurable(origin)) {
            try {
                if (!services.storage().scheduleRetry(envelope.id(), envelope.attempts(), at)) {
                    log.warn("envelope {} ({}) was taken over by another node while it failed here; its retry is that node's",
                            envelope.id(), envelope.messageType());
                }
                return;
            } catch (StoreUnavailableException e) {
                log.warn("the retry of envelope {} waits in memory: {}", envelope.id(), e.getMessage());
            }
        }
        inMemory(envelope, origin, at);
    }

    /** Holds an accepted envelope in memory until {@code at}; a durable one stays owned by this node meanwhile. */
    void inMemory(Envelope envelope, Endpoint origin, Instant at) {
        services.dispatcher().scheduleRetry(envelope, origin, at);
    }

    /** Tries a durable envelope again once the store has had a rest; it stays owned by this node meanwhile. */
    void afterStoreFailure(Envelope envelope, Endpoint origin) {
        inMemory(envelope, origin, services.clock().instant().plus(services.storage().retryDelay()));
    }

    /** Puts an envelope back at the end of its queue; when the queue is full, it is offered again shortly. */
    void requeue(Envelope envelope, Endpoint origin) {
        if (!origin.offer(envelope, Duration.ZERO)) {
            inMemory(envelope, origin, services.clock().instant().plus(Dispatcher.FULL_RETRY));
        }
    }

    /** Writes the attempts of a durable envelope, so a crash does not reset them; best effort. */
    void recordAttempts(Envelope envelope, Endpoint origin) {
        if (services.isDurable(origin)) {
            try {
                services.storage().recordAttempts(envelope.id(), envelope.attempts());
            } catch (StoreUnavailableException e) {
                log.debug("could not record the attempts of envelope {}", envelope.id(), e);
            }
        }
    }
}
