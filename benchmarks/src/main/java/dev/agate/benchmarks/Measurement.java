package dev.agate.benchmarks;

import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Recorder;

/**
 * Runs a {@link Target} through a warm-up phase, whose figures are discarded, then a measured phase, and
 * turns the measured one into a {@link Result}: elapsed time from the first operation until the last was
 * handled, latency percentiles, process CPU time, heap allocation and peak heap.
 */
final class Measurement {
    /** How long one phase may take before the run is declared stuck. */
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(5);
    private static final int SIGNIFICANT_DIGITS = 3;

    private Measurement() {
    }

    static Result measure(String scenario, int producers, Size.Counts counts, Target target) throws Exception {
        progress("%s P=%d: warm-up, %,d operations...", scenario, producers, counts.warmup());
        runPhase(target, producers, counts.warmup(), new Recorder(SIGNIFICANT_DIGITS));

        ProcessMetrics.resetHeapPeaks();
        Recorder latencies = new Recorder(SIGNIFICANT_DIGITS);
        progress("%s P=%d: measuring, %,d operations...", scenario, producers, counts.measured());
        CountingDataSource.Counts statementsBefore = target.statementCounts();
        Usage before = Usage.now(target);
        long elapsedNanos = runPhase(target, producers, counts.measured(), latencies);
        Usage used = Usage.now(target).minus(before);
        CountingDataSource.Counts statementsAfter = target.statementCounts();

        Result result = Result.of(scenario, producers, counts.measured(), elapsedNanos,
                latencies.getIntervalHistogram(), used.cpuNanos(), used.allocatedBytes(), ProcessMetrics.peakHeapBytes(),
                statementsBefore == null ? null : statementsAfter.minus(statementsBefore));
        progress("%s P=%d: %,.0f msg/s in %.2f s", scenario, producers, result.messagesPerSecond(), result.elapsedSeconds());
        return result;
    }

    /** Runs one phase; returns nanoseconds from releasing the producers until every operation was handled. */
    private static long runPhase(Target target, int producers, long operations, Recorder latencies) throws Exception {
        Phase phase = new Phase(operations, latencies);
        target.begin(phase);
        Producers threads = Producers.prepare(producers, operations, target);
        long start = System.nanoTime();
        threads.release();
        threads.join();
        phase.await(PHASE_TIMEOUT);
        long elapsed = System.nanoTime() - start;
        target.end(phase);
        return elapsed;
    }

    /**
     * CPU time (this process's and the target's other processes') and this process's heap allocation, both
     * cumulative; -1 for what the JVM or the OS does not tell.
     */
    private record Usage(long cpuNanos, long allocatedBytes) {
        static Usage now(Target target) {
            long own = ProcessMetrics.cpuNanos();
            long others = target.otherProcessesCpuNanos();
            return new Usage(own < 0 || others < 0 ? -1 : own + others, ProcessMetrics.allocatedBytes());
        }

        Usage minus(Usage earlier) {
            return new Usage(difference(cpuNanos, earlier.cpuNanos), difference(allocatedBytes, earlier.allocatedBytes));
        }

        private static long difference(long later, long earlier) {
            return later < 0 || earlier < 0 ? -1 : later - earlier;
        }
    }

    private static void progress(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
