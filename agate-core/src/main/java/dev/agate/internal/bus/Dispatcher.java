package dev.agate.internal.bus;

import dev.agate.DeadLetter;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.QueueFullException;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.Observers;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.endpoint.WorkTracker;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.MessageEvent.Kind;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands deliveries to their endpoints, now or later: sends from outside the handlers (a full queue blocks
 * the caller, then fails the send), cascades that are owed (never failing the handling), deliveries whose
 * time is ahead (to the store when the host has one, so they survive a restart, else to the in-memory
 * scheduler), retries held in memory, and replayed dead letters.
 *
 * <p>Threads: the caller's for sends; {@code agate-scheduler} for what comes due in memory; for an inline
 * queue, what comes due runs on {@code agate-inline-N}, never on the scheduler's thread. Both are created
 * by {@link #start()} and ended by {@link #stop()}. Thread-safe.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How soon a delivery that found its queue full is offered again. */
    public static final Duration FULL_RETRY = InMemoryScheduler.FULL_RETRY;

    private final Endpoints endpoints;
    /** Null for a host without a store. */
    private final DurableStorage storage;
    private final Observers observers;
    private final Clock clock;
    private final WorkTracker work;
    private final Duration sendTimeout;
    private InMemoryScheduler scheduler;
    /** Runs delayed work of inline endpoints, so their handlers never run on the scheduler's thread. */
    private ExecutorService inlineTimers;

    public Dispatcher(Endpoints endpoints, DurableStorage storage, Observers observers, Clock clock, WorkTracker work, Duration sendTimeout) {
        this.endpoints = endpoints;
        this.storage = storage;
        this.observers = observers;
        this.clock = clock;
        this.work = work;
        this.sendTimeout = sendTimeout;
    }

    public void start() {
        scheduler = new InMemoryScheduler(clock, work, this::handOver);
        inlineTimers = Executors.newCachedThreadPool(AgateThreads.named("agate-inline"));
    }

    /** Ends the timers; returns the envelopes that were still waiting in memory. */
    public List<Envelope> stop() {
        inlineTimers.shutdownNow();
        return scheduler.shutdown();
    }

    /** Delivers sends from outside the handlers: a full queue blocks the caller, then fails the send. */
    public void deliverAll(List<Delivery> deliveries) {
        for (int i = 0; i < deliveries.size(); i++) {
            try {
                deliver(deliveries.get(i));
            } catch (QueueFullException e) {
                if (i == 0) {
                    throw e;
                }
                throw new QueueFullException(e.getMessage() + "; the message was already accepted by "
                        + deliveries.subList(0, i).stream().map(d -> d.endpoint().uri().toString()).toList());
            }
        }
    }

    private void deliver(Delivery delivery) {
        if (scheduledForLater(delivery)) {
            return;
        }
        Envelope envelope = delivery.envelope();
        URI uri = delivery.endpoint().uri();
        observers.emit(Kind.SENT, envelope, uri);
        boolean taken;
        try {
            taken = delivery.endpoint().send(envelope);
        } catch (RuntimeException e) {
            observers.emit(Kind.ABANDONED, envelope, uri, e, e.getMessage());
            throw e;
        }
        if (!taken) {
            discardDuplicate(envelope, uri);
        }
    }

    /**
     * Delivers the cascades of a unit of work whose handlers succeeded: they are owed, so nothing here
     * fails the handling. A queue that stays full for the send timeout (at once, for the handler's own
     * queue, which its worker cannot drain while it waits) gets the envelope later through the scheduler,
     * counted as in-flight work.
     */
    public void deliverOwed(List<Delivery> deliveries, Endpoint origin) {
        for (Delivery delivery : deliveries) {
            Envelope envelope = delivery.envelope();
            URI uri = delivery.endpoint().uri();
            try {
                if (scheduledForLater(delivery)) {
                    continue;
                }
                observers.emit(Kind.SENT, envelope, uri);
                Duration wait = delivery.endpoint() == origin ? Duration.ZERO : sendTimeout;
                if (!delivery.endpoint().offer(envelope, wait)) {
                    log.warn("{} stayed full; envelope {} ({}) waits in memory and is offered again every {}", uri,
                            envelope.id(), envelope.messageType(), FULL_RETRY);
                    scheduler.schedule(delivery, clock.instant().plus(FULL_RETRY), true, true);
                }
            } catch (RuntimeException e) {
                log.error("could not deliver envelope {} ({}) to {}; abandoned", envelope.id(), envelope.messageType(), uri, e);
                observers.emit(Kind.ABANDONED, envelope, uri, e, e.getMessage());
            }
        }
    }

    /**
     * Hands a delivery whose scheduled time is still ahead to the store (when the host has one: it survives
     * a restart) or to the in-memory scheduler; false when it is due now.
     */
    private boolean scheduledForLater(Delivery delivery) {
        Envelope envelope = delivery.envelope();
        Instant now = clock.instant();
        if (!DurableStorage.isLater(envelope, now)) {
            return false;
        }
        if (storage != null) {
            if (storage.persist(null, delivery.endpoint().uri(), List.of(envelope), now).isEmpty()) {
                discardDuplicate(envelope, delivery.endpoint().uri());
                return true;
            }
        } else {
            scheduler.schedule(delivery, envelope.scheduledTime(), false, false);
        }
        observers.emit(Kind.SCHEDULED, envelope, delivery.endpoint().uri());
        return true;
    }

    /**
     * Hands over a delivery that is due (from the scheduler, or claimed from the store) without blocking;
     * false when the endpoint is full. Never runs a handler on the calling thread.
     *
     * @param firstTry true when the delivery was not announced as sent yet
     */
    public boolean handOver(Delivery delivery, boolean firstTry) {
        Envelope envelope = delivery.envelope();
        Endpoint endpoint = delivery.endpoint();
        if (firstTry) {
            observers.emit(Kind.SENT, envelope, endpoint.uri());
        }
        if (endpoint.mode() != EndpointMode.INLINE) {
            return endpoint.offer(envelope, Duration.ZERO);
        }
        work.begin();
        try {
            inlineTimers.execute(() -> {
                try {
                    endpoint.send(envelope);
                } catch (RuntimeException e) {
                    log.error("could not hand envelope {} to {}; abandoned", envelope.id(), endpoint.uri(), e);
                    observers.emit(Kind.ABANDONED, envelope, endpoint.uri(), e, e.getMessage());
                } finally {
                    work.end();
                }
            });
        } catch (RuntimeException e) {
            work.end();
            throw e;
        }
        return true;
    }

    /** A send repeated with the sender's own message id, whose envelope is stored already: nothing more happens. */
    private void discardDuplicate(Envelope envelope, URI uri) {
        log.info("envelope {} ({}) to {} is stored already (sent again with its own message id); not sent again", envelope.id(),
                envelope.messageType(), uri);
        observers.emit(Kind.DUPLICATE, envelope, uri, null, "a message with this id is stored already");
    }

    /** Holds an accepted envelope in memory for a later attempt; close() waits for it like for queued work. */
    public void scheduleRetry(Envelope envelope, Endpoint origin, Instant at) {
        scheduler.schedule(new Delivery(origin, envelope), at, true, false);
    }

    /** Sends a dead letter again, to the endpoint it failed at: a person's decision to try again now. */
    public void replay(DeadLetter letter) {
        // Attempts start over and an old expiry no longer applies.
        Envelope envelope = letter.envelope().toBuilder().attempts(0).deliverBy(null).build();
        log.info("replaying dead letter {} ({}) to {}", envelope.id(), envelope.messageType(), letter.endpoint());
        deliver(new Delivery(endpoints.endpoint(letter.endpoint()), envelope));
    }
}
