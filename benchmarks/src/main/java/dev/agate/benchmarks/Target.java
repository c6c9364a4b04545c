package dev.agate.benchmarks;

/** The system under test for one result row: something producer threads operate on, phase after phase. */
interface Target extends AutoCloseable {

    /** Starts a phase: from now on, handled operations and latencies are reported to {@code phase}. */
    void begin(Phase phase);

    /** One operation; called concurrently by every producer thread. */
    void operate() throws Exception;

    /**
     * Called once a phase's operations have all been handled, outside the timed part: a target checks what
     * it can only check then, and throws if the phase went wrong.
     */
    default void end(Phase phase) throws Exception {
    }

    /**
     * CPU time, cumulative, of the other processes this target runs (a receiving JVM), added to this
     * process's own; 0 when it runs none, -1 when the OS does not tell.
     */
    default long otherProcessesCpuNanos() {
        return 0;
    }

    /**
     * Milliseconds the JIT compilers of the other JVMs this target runs have spent so far, cumulative, as they last
     * reported it; 0 when it runs none. The warm-up goes on until they settle too ({@link Measurement}).
     */
    default long otherProcessesCompilationMillis() {
        return 0;
    }

    /**
     * The statements and commits run so far on the target's database, or null for a target without one
     * (cumulative: {@link Measurement} takes the difference over the measured phase).
     */
    default CountingDataSource.Counts statementCounts() {
        return null;
    }

    @Override
    void close();
}
