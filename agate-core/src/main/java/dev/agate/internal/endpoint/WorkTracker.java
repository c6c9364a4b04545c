package dev.agate.internal.endpoint;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the envelopes accepted by the host's endpoints and not yet finished, across all endpoints, so
 * that close() can wait for the host to be idle. One counter for the whole host, because handling in one
 * queue can cascade into another: per-queue counts read one after another could all be zero while work
 * moves between them. A cascade is counted before its parent is finished, so zero really means idle.
 */
public final class WorkTracker {
    private final AtomicLong pending = new AtomicLong();
    private final Object idle = new Object();
    /** Threads in awaitIdle: without them, end() costs one atomic decrement and one volatile read. */
    private volatile int waiters;

    public void begin() {
        pending.incrementAndGet();
    }

    public void end() {
        if (pending.decrementAndGet() == 0 && waiters > 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    /**
     * Puts an envelope into an endpoint's buffer, waiting up to {@code wait} for room, and counts it as pending
     * once it is in. A put that raced with the endpoint stopping ({@code running} false afterwards) may have
     * landed after the buffer was drained, where nobody takes it: it is taken back and the put fails, so the
     * loss is not silent.
     *
     * @return false when there was no room in time
     * @throws dev.agate.AgateException when interrupted, or when the endpoint stopped meanwhile
     */
    public boolean put(java.util.concurrent.BlockingQueue<dev.agate.Envelope> buffer, dev.agate.Envelope envelope, Duration wait,
                java.util.function.BooleanSupplier running, String endpoint) {
        return put(buffer, envelope, envelope, wait, running, endpoint);
    }

    /** {@link #put(java.util.concurrent.BlockingQueue, dev.agate.Envelope, Duration, java.util.function.BooleanSupplier, String)} of {@code item}, which holds {@code envelope}. */
    public <T> boolean put(java.util.concurrent.BlockingQueue<T> buffer, T item, dev.agate.Envelope envelope, Duration wait,
                java.util.function.BooleanSupplier running, String endpoint) {
        begin();
        boolean accepted = false;
        try {
            accepted = wait.isZero() ? buffer.offer(item)
                    : buffer.offer(item, wait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.agate.AgateException("interrupted while waiting for room in " + endpoint + " for envelope " + envelope.id(), e);
        } finally {
            if (!accepted) {
                end();
            }
        }
        if (accepted && !running.getAsBoolean() && buffer.remove(item)) {
            end();
            throw new dev.agate.AgateException(endpoint + " stopped while envelope " + envelope.id() + " (" + envelope.messageType()
                    + ") was being sent; it was not accepted");
        }
        return accepted;
    }

    public long pending() {
        return pending.get();
    }

    /** Waits until nothing is pending or the timeout passes; true when idle. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            waiters++;
            try {
                while (pending.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    // Bounded wait: a wake-up every 50 ms costs nothing and covers an end() that ran before waiters++.
                    idle.wait(Math.max(1, Math.min(50, left / 1_000_000)));
                }
                return true;
            } finally {
                waiters--;
            }
        }
    }
}
