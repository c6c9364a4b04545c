package dev.agate.internal.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps the application's transactions from taking the database's connections away from a durable handling
 * for long: once a handling has waited {@link #PATIENCE_NANOS} for a connection, a new transaction of
 * {@link dev.agate.AgateHost#inTransaction} waits until that handling has one (or gave up), for at most
 * {@link #MOST_HELD_NANOS}.
 *
 * <p>Why: a pool hands a connection that comes back to whichever thread asks for it first, and HikariCP first to
 * the thread that used it last. A thread that runs one transaction after another therefore takes the connection
 * back before a woken worker can; with SQLite's pool of one, a worker behind one busy writer waited 0.2 to 0.5 s,
 * and its messages with it (benchmarks/README.md). Waiting a while first, rather than going first at once, keeps
 * the handling's batches large: on SQLite each batch's commit is a flush to disk. Handlings run on the same
 * database as the application's transactions ({@link dev.agate.spi.MessageStore#enlist}), so turns taken here
 * are turns at its connections (or, on SQLite, at its one writer). Transactions the application opens without
 * Agate (through Spring's transaction manager, say) are not held. Thread-safe.
 */
public final class HandlingTurns {
    /** How long a handling may wait for a connection before new application transactions wait for it. */
    static final long PATIENCE_NANOS = 20_000_000;
    /** An application transaction waits at most this long here, whatever the handling's wait (a broken pool, say). */
    static final long MOST_HELD_NANOS = 1_000_000_000;
    private static final long NONE = Long.MAX_VALUE;

    private final LongSupplier nanoTime;
    /** When each handling that waits for a connection began waiting; guarded by this. */
    private final List<long[]> waiting = new ArrayList<>();
    /** The earliest of {@link #waiting}, or {@link #NONE}: read without the lock on every application transaction. */
    private volatile long oldest = NONE;

    public HandlingTurns() {
        this(System::nanoTime);
    }

    HandlingTurns(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Runs a handling's {@code borrow} of a connection, counted as waiting until it returns or throws. */
    public <T> T handling(Supplier<T> borrow) {
        long[] since = {nanoTime.getAsLong()};
        synchronized (this) {
            waiting.add(since);
            oldest = Math.min(oldest, since[0]);
        }
        try {
            return borrow.get();
        } finally {
            synchronized (this) {
                waiting.remove(since);
                long earliest = NONE;
                for (long[] other : waiting) {
                    earliest = Math.min(earliest, other[0]);
                }
                oldest = earliest;
                notifyAll();
            }
        }
    }

    /**
     * Before an application transaction asks for a connection: returns at once unless a handling has waited
     * {@link #PATIENCE_NANOS} for one, else when no handling has (at most {@link #MOST_HELD_NANOS}). An interrupt
     * ends the wait, and stays set.
     */
    public void awaitApplicationTurn() {
        if (!handlingOverdue()) {
            return; // the path of nearly every transaction: one volatile read
        }
        long deadline = nanoTime.getAsLong() + MOST_HELD_NANOS;
        synchronized (this) {
            while (handlingOverdue()) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    return;
                }
                try {
                    // A handling that gets its connection wakes the waiters; the timed wait also re-reads the clock.
                    wait(Math.max(1, Math.min(left, PATIENCE_NANOS) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private boolean handlingOverdue() {
        long earliest = oldest;
        return earliest != NONE && nanoTime.getAsLong() - earliest >= PATIENCE_NANOS;
    }
}
