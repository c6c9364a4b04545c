package dev.agate.internal.bus;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.WorkTracker;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds deliveries until their time, in memory, on one thread named {@code agate-scheduler}: delayed
 * sends, scheduled retries, and cascades that found their queue full. They are lost on a crash; those
 * still waiting at close are handed back to the host, which reports them.
 *
 * <p>Each call to {@link #schedule} is its own {@link Waiting} entry, compared by identity: one envelope
 * may be handed over and scheduled again (a second retry) before the first timer has finished, and the
 * two must never be confused. A due timer takes its entry out of {@code waiting} before handing it over
 * and puts it back if the hand-over fails, and {@link #shutdown()} waits for the timer thread to end
 * before it collects, so an entry is either handed over or reported, never both and never neither.
 *
 * <p>The hand-over never blocks: a full queue makes the entry try again {@link #FULL_RETRY} later, so one
 * full queue never stalls the other timers. A retry of an envelope that was already accepted is in-flight
 * work: it stays counted in the host's {@link WorkTracker} while it waits, so close() drains it. A
 * message scheduled by its sender for later is not counted: the host cannot wait for next week.
 */
final class InMemoryScheduler {
    static final Duration FULL_RETRY = Duration.ofMillis(50);
    private static final Logger log = LoggerFactory.getLogger(InMemoryScheduler.class);

    /** Hands a due delivery to its endpoint without blocking; false when the endpoint was full. */
    @FunctionalInterface
    interface HandOver {
        boolean handOver(Delivery delivery, boolean firstTry);
    }

    /** One scheduled hand-over. Identity matters: never give this class equals(). */
    private static final class Waiting {
        final Delivery delivery;
        final boolean inFlight;
        boolean tried;

        Waiting(Delivery delivery, boolean inFlight, boolean tried) {
            this.delivery = delivery;
            this.inFlight = inFlight;
            this.tried = tried;
        }
    }

    private final ScheduledThreadPoolExecutor executor;
    private final Clock clock;
    private final WorkTracker work;
    private final HandOver fire;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    InMemoryScheduler(Clock clock, WorkTracker work, HandOver fire) {
        this.clock = clock;
        this.work = work;
        this.fire = fire;
        this.executor = new ScheduledThreadPoolExecutor(1, AgateThreads.named("agate-scheduler"));
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /**
     * Holds {@code delivery} until {@code at}.
     *
     * @param inFlight true for work already accepted (retries, overflow), which close() must drain
     * @param announced true when the delivery was already reported as sent
     * @throws AgateException when the scheduler is stopped
     */
    void schedule(Delivery delivery, Instant at, boolean inFlight, boolean announced) {
        if (stopped) {
            throw new AgateException("the scheduler is stopped; envelope " + delivery.envelope().id() + " ("
                    + delivery.envelope().messageType() + ") for " + delivery.endpoint().uri() + " was not scheduled");
        }
        Waiting entry = new Waiting(delivery, inFlight, announced);
        if (inFlight) {
            work.begin();
        }
        waiting.add(entry);
        submit(entry, Math.max(0, Duration.between(clock.instant(), at).toNanos()));
    }

    private void submit(Waiting entry, long delayNanos) {
        try {
            executor.schedule(() -> due(entry), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down: the entry is in waiting, and shutdown() collects it after the timer thread ends.
        }
    }

    private void due(Waiting entry) {
        if (!waiting.remove(entry)) {
            return;
        }
        boolean handedOver = false;
        try {
            handedOver = fire.handOver(entry.delivery, !entry.tried);
        } catch (RuntimeException e) {
            log.warn("could not deliver scheduled envelope {} to {}; trying again in 1 s", entry.delivery.envelope().id(),
                    entry.delivery.endpoint().uri(), e);
        }
        entry.tried = true;
        if (handedOver) {
            if (entry.inFlight) {
                work.end();
            }
            return;
        }
        waiting.add(entry);
        submit(entry, stopped ? 0 : FULL_RETRY.toNanos());
    }

    /** Stops the timer thread, waits for it to end, and returns the envelopes that were still waiting. */
    List<Envelope> shutdown() {
        stopped = true;
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("the scheduler thread did not end within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Envelope> left = new ArrayList<>();
        for (Waiting entry : List.copyOf(waiting)) {
            if (waiting.remove(entry)) {
                left.add(entry.delivery.envelope());
                if (entry.inFlight) {
                    work.end();
                }
            }
        }
        return left;
    }
}
