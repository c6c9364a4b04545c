package dev.agate.benchmarks;

/**
 * A {@link Target} whose operation can be given its start time: open-loop producers ({@link OpenLoop}) hand it
 * the time the schedule meant the operation to start, and the target measures the operation's latency from
 * there, so that an operation that started late (every producer busy, a pause) counts its wait (no coordinated
 * omission).
 */
interface ScheduledTarget extends Target {

    /** One operation, its latency measured from {@code startNanos} ({@link System#nanoTime()}, now or earlier). */
    void operate(long startNanos) throws Exception;

    /** How many operations it has begun so far, each with the next id from 1: what its database's check expects. */
    long operationsBegun();

    @Override
    default void operate() throws Exception {
        operate(System.nanoTime());
    }
}
