package dev.agate.internal.runtime;

import dev.agate.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds deliveries until their time, in memory, on one thread named {@code agate-scheduler}: delayed
 * sends and scheduled retries of endpoints that have no message store. They are lost on a crash, and
 * those still waiting at close are handed back to the host, which reports them.
 *
 * <p>Each call to {@link #schedule} is its own {@link Waiting} entry, compared by identity: one envelope
 * may be handed over and scheduled again (a second retry) before the first timer has finished, and the
 * two must never be confused. An entry leaves {@code waiting} exactly once, by hand-over or by shutdown,
 * whichever removes it first.
 *
 * <p>When a delivery is due the scheduler offers it to its endpoint without blocking; a full queue makes
 * it try again {@link #FULL_RETRY} later, so one full queue never stalls the other timers.
 *
 * <p>A retry of an envelope that was already accepted is in-flight work: it stays counted in the host's
 * {@link WorkTracker} while it waits, so that close() drains it. A message scheduled by its sender for
 * later is not counted: the host cannot wait for next week.
 */
final class InMemoryScheduler {
    static final Duration FULL_RETRY = Duration.ofMillis(50);
    private static final Logger log = LoggerFactory.getLogger(InMemoryScheduler.class);

    /** One scheduled hand-over. Identity matters: never give this class equals(). */
    private static final class Waiting {
        final Delivery delivery;
        final boolean inFlight;

        Waiting(Delivery delivery, boolean inFlight) {
            this.delivery = delivery;
            this.inFlight = inFlight;
        }
    }

    private final ScheduledThreadPoolExecutor executor;
    private final Clock clock;
    private final WorkTracker work;
    private final Predicate<Delivery> fire;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();

    /** @param fire hands a due delivery to its endpoint; false when the endpoint was full */
    InMemoryScheduler(Clock clock, WorkTracker work, Predicate<Delivery> fire) {
        this.clock = clock;
        this.work = work;
        this.fire = fire;
        this.executor = new ScheduledThreadPoolExecutor(1, AgateThreads.named("agate-scheduler"));
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /** Holds {@code delivery} until {@code at}; {@code inFlight} for retries, which close() must drain. */
    void schedule(Delivery delivery, Instant at, boolean inFlight) {
        Waiting entry = new Waiting(delivery, inFlight);
        if (inFlight) {
            work.begin();
        }
        waiting.add(entry);
        submit(entry, Math.max(0, Duration.between(clock.instant(), at).toNanos()));
    }

    int waiting() {
        return waiting.size();
    }

    private void submit(Waiting entry, long delayNanos) {
        try {
            executor.schedule(() -> due(entry), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Shut down meanwhile: shutdown() reports what is still in waiting, this entry included.
        }
    }

    private void due(Waiting entry) {
        if (!waiting.contains(entry)) {
            return;
        }
        Delivery delivery = entry.delivery;
        try {
            if (!fire.test(delivery)) {
                submit(entry, FULL_RETRY.toNanos());
                return;
            }
        } catch (RuntimeException e) {
            log.warn("could not deliver scheduled envelope {} to {}; trying again in 1 s", delivery.envelope().id(),
                    delivery.endpoint().uri(), e);
            submit(entry, TimeUnit.SECONDS.toNanos(1));
            return;
        }
        release(entry);
    }

    /** Removes the entry once; the endpoint now counts the envelope, so the scheduler stops counting it. */
    private boolean release(Waiting entry) {
        if (!waiting.remove(entry)) {
            return false;
        }
        if (entry.inFlight) {
            work.end();
        }
        return true;
    }

    /** Stops the timer thread; returns the envelopes that were still waiting. */
    List<Envelope> shutdown() {
        executor.shutdownNow();
        List<Envelope> left = new ArrayList<>();
        for (Waiting entry : List.copyOf(waiting)) {
            if (release(entry)) {
                left.add(entry.delivery.envelope());
            }
        }
        return left;
    }
}
