package dev.agate.benchmarks;

import org.HdrHistogram.Histogram;

/**
 * The figures of one measured phase, one row of the report. Latencies are in microseconds, rounded to
 * 0.01; -1 stands for a figure this JVM could not give, or that the row does not measure.
 *
 * @param scenario          the scenario's name
 * @param producers         producer threads (P)
 * @param messages          messages sent, or calls made, in the measured phase
 * @param elapsedSeconds    from the first send until the last message was handled
 * @param messagesPerSecond {@code messages / elapsedSeconds}
 * @param latencySamples    how many latencies were recorded; equals {@code messages}
 * @param p50Micros         median latency
 * @param p99Micros         99th percentile latency
 * @param maxMicros         highest latency
 * @param cpuSecondsPer10k  process CPU seconds (all threads) per 10,000 messages
 * @param allocatedBytesPerMessage heap bytes allocated per message, by all threads
 * @param peakHeapMb        peak heap use during the phase, MiB (sum of the heap pools' peaks)
 * @param statementsPerMessage SQL statements run per message on the row's database by every thread (each
 *                          {@code execute*} call one, each {@code executeBatch} one), or -1 without a database
 * @param commitsPerMessage commits and rollbacks per message, or -1 without a database
 * @param roundTripsPerMessage database round trips per message: each {@code execute*} and {@code executeBatch}
 *                          call and each commit and rollback one (statements plus commits, as
 *                          {@link CountingDataSource} counts them, every thread); -1 where not counted
 * @param walBytesPerMessage PostgreSQL WAL bytes written per message over the measured phase
 *                          ({@code pg_wal_lsn_diff} of {@code pg_current_wal_lsn()} after and before: the whole
 *                          server's WAL, so another database's writes at the time are in it too); -1 where not measured
 * @param offeredRate       open-loop rows ({@code latency}): the fixed rate, msg/s, at which operations were
 *                          scheduled; -1 for a closed-loop row (producers as fast as they can)
 * @param startLagP99Micros open-loop rows: the 99th percentile of how late an operation started after its
 *                          scheduled time (producer threads all busy, or descheduled); -1 for a closed-loop row
 */
record Result(String scenario, int producers, long messages, double elapsedSeconds, double messagesPerSecond,
              long latencySamples, double p50Micros, double p99Micros, double maxMicros, double cpuSecondsPer10k,
              double allocatedBytesPerMessage, double peakHeapMb, double statementsPerMessage, double commitsPerMessage,
              double roundTripsPerMessage, double walBytesPerMessage, double offeredRate, double startLagP99Micros) {

    /** A row without statement counts (a scenario without a database). */
    Result(String scenario, int producers, long messages, double elapsedSeconds, double messagesPerSecond,
           long latencySamples, double p50Micros, double p99Micros, double maxMicros, double cpuSecondsPer10k,
           double allocatedBytesPerMessage, double peakHeapMb) {
        this(scenario, producers, messages, elapsedSeconds, messagesPerSecond, latencySamples, p50Micros, p99Micros, maxMicros,
                cpuSecondsPer10k, allocatedBytesPerMessage, peakHeapMb, -1, -1);
    }

    /** A closed-loop row with statement and commit counts (its round trips their sum), no WAL figure. */
    Result(String scenario, int producers, long messages, double elapsedSeconds, double messagesPerSecond,
           long latencySamples, double p50Micros, double p99Micros, double maxMicros, double cpuSecondsPer10k,
           double allocatedBytesPerMessage, double peakHeapMb, double statementsPerMessage, double commitsPerMessage) {
        this(scenario, producers, messages, elapsedSeconds, messagesPerSecond, latencySamples, p50Micros, p99Micros, maxMicros,
                cpuSecondsPer10k, allocatedBytesPerMessage, peakHeapMb, statementsPerMessage, commitsPerMessage,
                statementsPerMessage < 0 || commitsPerMessage < 0 ? -1 : round(statementsPerMessage + commitsPerMessage, 100),
                -1, -1, -1);
    }

    static Result of(String scenario, int producers, long messages, long elapsedNanos, Histogram latencyNanos,
                     long cpuNanos, long allocatedBytes, long peakHeapBytes) {
        return of(scenario, producers, messages, elapsedNanos, latencyNanos, cpuNanos, allocatedBytes, peakHeapBytes, null);
    }

    /** As above, with the statements and commits of the phase (null: no database). */
    static Result of(String scenario, int producers, long messages, long elapsedNanos, Histogram latencyNanos,
                     long cpuNanos, long allocatedBytes, long peakHeapBytes, CountingDataSource.Counts statements) {
        double seconds = elapsedNanos / 1e9;
        return new Result(scenario, producers, messages, round(seconds, 1e3), round(messages / seconds, 1),
                latencyNanos.getTotalCount(),
                micros(latencyNanos.getValueAtPercentile(50)),
                micros(latencyNanos.getValueAtPercentile(99)),
                micros(latencyNanos.getMaxValue()),
                cpuNanos < 0 ? -1 : round(cpuNanos / 1e9 / messages * 10_000, 1e4),
                allocatedBytes < 0 ? -1 : round((double) allocatedBytes / messages, 1),
                round(peakHeapBytes / (1024.0 * 1024.0), 10),
                statements == null ? -1 : round((double) statements.statements() / messages, 100),
                statements == null ? -1 : round((double) statements.commits() / messages, 100),
                statements == null ? -1 : round((double) statements.roundTrips() / messages, 100),
                -1, -1, -1);
    }

    /** This row with the WAL the measured phase wrote, in bytes ({@code walBytes < 0}: not measured). */
    Result withWalBytes(long walBytes) {
        return new Result(scenario, producers, messages, elapsedSeconds, messagesPerSecond, latencySamples, p50Micros, p99Micros,
                maxMicros, cpuSecondsPer10k, allocatedBytesPerMessage, peakHeapMb, statementsPerMessage, commitsPerMessage,
                roundTripsPerMessage, walBytes < 0 ? -1 : round((double) walBytes / messages, 10), offeredRate, startLagP99Micros);
    }

    /** This row as an open-loop one: its offered rate (msg/s) and the p99 of its operations' start lag (ns). */
    Result withSchedule(double rate, long startLagP99Nanos) {
        return new Result(scenario, producers, messages, elapsedSeconds, messagesPerSecond, latencySamples, p50Micros, p99Micros,
                maxMicros, cpuSecondsPer10k, allocatedBytesPerMessage, peakHeapMb, statementsPerMessage, commitsPerMessage,
                roundTripsPerMessage, walBytesPerMessage, round(rate, 10), micros(startLagP99Nanos));
    }

    /** This row with another producer count (an open loop's: the most producer threads it had at once). */
    Result withProducers(int count) {
        return new Result(scenario, count, messages, elapsedSeconds, messagesPerSecond, latencySamples, p50Micros, p99Micros,
                maxMicros, cpuSecondsPer10k, allocatedBytesPerMessage, peakHeapMb, statementsPerMessage, commitsPerMessage,
                roundTripsPerMessage, walBytesPerMessage, offeredRate, startLagP99Micros);
    }

    private static double micros(long nanos) {
        return round(nanos / 1e3, 100);
    }

    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }
}
