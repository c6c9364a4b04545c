package dev.agate.internal.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps the application's transactions from taking the pool's connections away from a durable queue's worker
 * for long: once a worker has waited {@link #PATIENCE_NANOS} for the connection of its handling's transaction, a
 * new transaction of {@link dev.agate.AgateHost#inTransaction} on the store's own {@code DataSource} waits until
 * every worker that had waited that long when it arrived has one (or gave up), for at most {@link #MOST_HELD_NANOS}.
 * A worker's other store calls (a retry's row, a dead letter, loading back envelopes that waited in the store) are
 * not counted: they time a query with the wait.
 *
 * <p>Why: a pool hands a connection that comes back to whichever thread asks for it first, and HikariCP first to
 * the thread that used it last. A thread that runs one transaction after another therefore takes the connection
 * back before a woken worker can; with SQLite's pool of one, the worker behind one busy writer waited 185 to
 * 679 ms at p99, and its messages with it (benchmarks/README.md). Waiting a while first, rather than going first
 * at once, keeps the handling's batches large: on SQLite each batch's commit is a flush to disk. Transactions the
 * application opens without Agate (through Spring's transaction manager, say) are not held. Thread-safe.
 */
public final class HandlingTurns {
    /** How long a handling may wait for a connection before new application transactions wait for it. */
    static final long PATIENCE_NANOS = 20_000_000;
    /** An application transaction waits at most this long here, whatever the handling's wait (a broken pool, say). */
    static final long MOST_HELD_NANOS = 1_000_000_000;
    private static final long NONE = Long.MAX_VALUE;

    private final LongSupplier nanoTime;
    /** When each worker that waits for a connection began waiting; guarded by this. */
    private final List<long[]> waiting = new ArrayList<>();
    /** The earliest of {@link #waiting}, or {@link #NONE}: read without the lock on every application transaction. */
    private volatile long oldest = NONE;

    public HandlingTurns() {
        this(System::nanoTime);
    }

    HandlingTurns(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Runs a worker's {@code borrow} of a connection, counted as waiting until it returns or throws. */
    public <T> T handling(Supplier<T> borrow) {
        long[] since = {nanoTime.getAsLong()};
        synchronized (this) {
            waiting.add(since);
            oldest = earliest();
        }
        try {
            return borrow.get();
        } finally {
            synchronized (this) {
                waiting.remove(since);
                oldest = earliest();
                notifyAll();
            }
        }
    }

    /** Whether a worker waits for a connection now: one volatile read, so the check callers make first. */
    public boolean anyWaiting() {
        return oldest != NONE;
    }

    /** The earliest start in {@link #waiting} (compared by difference, as {@code nanoTime} asks), or {@link #NONE}. */
    private long earliest() {
        long earliest = NONE;
        for (long[] since : waiting) {
            if (earliest == NONE || since[0] - earliest < 0) {
                earliest = since[0];
            }
        }
        return earliest;
    }

    /**
     * Before an application transaction asks for a connection: returns at once unless a worker has waited
     * {@link #PATIENCE_NANOS} for one, else when each worker that had has one (at most {@link #MOST_HELD_NANOS}).
     * Workers that begin waiting meanwhile do not prolong it. An interrupt ends the wait, and stays set.
     */
    public void awaitApplicationTurn() {
        if (oldest == NONE) {
            return; // the path of nearly every transaction: one volatile read
        }
        long arrived = nanoTime.getAsLong();
        long cutoff = arrived - PATIENCE_NANOS;
        if (!stillWaitingSince(cutoff)) {
            return;
        }
        long deadline = arrived + MOST_HELD_NANOS;
        synchronized (this) {
            while (stillWaitingSince(cutoff)) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    return;
                }
                try {
                    // A worker that gets its connection wakes the waiters; the timed wait re-reads the clock for the cap.
                    wait(Math.max(1, Math.min(left, PATIENCE_NANOS) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Whether a worker that began waiting at {@code cutoff} or before still waits. */
    private boolean stillWaitingSince(long cutoff) {
        long earliest = oldest;
        return earliest != NONE && earliest - cutoff <= 0;
    }
}
