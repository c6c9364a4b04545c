package dev.agate.internal.runtime;

import dev.agate.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
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
 * <p>When a delivery is due the scheduler offers it to its endpoint without blocking; a full queue makes
 * it try again {@link #FULL_RETRY} later, so one full queue never stalls the other timers.
 */
final class InMemoryScheduler {
    static final Duration FULL_RETRY = Duration.ofMillis(50);
    private static final Logger log = LoggerFactory.getLogger(InMemoryScheduler.class);

    private final ScheduledThreadPoolExecutor executor;
    private final Clock clock;
    private final Predicate<Delivery> fire;
    private final Map<UUID, Delivery> waiting = new ConcurrentHashMap<>();

    /** @param fire hands a due delivery to its endpoint; false when the endpoint was full */
    InMemoryScheduler(Clock clock, Predicate<Delivery> fire) {
        this.clock = clock;
        this.fire = fire;
        this.executor = new ScheduledThreadPoolExecutor(1, AgateThreads.named("agate-scheduler"));
        this.executor.setRemoveOnCancelPolicy(true);
    }

    void schedule(Delivery delivery, Instant at) {
        waiting.put(delivery.envelope().id(), delivery);
        long delayNanos = Math.max(0, Duration.between(clock.instant(), at).toNanos());
        submit(delivery, delayNanos);
    }

    int waiting() {
        return waiting.size();
    }

    private void submit(Delivery delivery, long delayNanos) {
        ScheduledFuture<?> unused = executor.schedule(() -> due(delivery), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void due(Delivery delivery) {
        UUID id = delivery.envelope().id();
        if (!waiting.containsKey(id)) {
            return;
        }
        boolean handedOver;
        try {
            handedOver = fire.test(delivery);
        } catch (RuntimeException e) {
            log.warn("could not deliver scheduled envelope {} to {}; trying again in 1 s", id, delivery.endpoint().uri(), e);
            handedOver = false;
            submit(delivery, TimeUnit.SECONDS.toNanos(1));
            return;
        }
        if (handedOver) {
            waiting.remove(id);
        } else {
            submit(delivery, FULL_RETRY.toNanos());
        }
    }

    /** Stops the timer thread; returns the envelopes that were still waiting. */
    List<Envelope> shutdown() {
        executor.shutdownNow();
        List<Envelope> left = new ArrayList<>();
        waiting.values().forEach(d -> left.add(d.envelope()));
        waiting.clear();
        return left;
    }
}
