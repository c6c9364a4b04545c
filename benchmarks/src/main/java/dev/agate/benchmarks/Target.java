package dev.agate.benchmarks;

/** The system under test for one result row: something producer threads operate on, phase after phase. */
interface Target extends AutoCloseable {

    /** Starts a phase: from now on, handled operations and latencies are reported to {@code phase}. */
    void begin(Phase phase);

    /** One operation; called concurrently by every producer thread. */
    void operate() throws Exception;

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
