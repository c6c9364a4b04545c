package dev.agate.benchmarks;

import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs a {@link Target} through a warm-up phase, whose figures are discarded, then a measured phase, and
 * turns the measured one into a {@link Result}: elapsed time from the first operation until the last was
 * handled, latency percentiles, process CPU time, heap allocation and peak heap, statements, commits and round
 * trips when the target counts them, and on PostgreSQL the WAL the measured phase wrote ({@link PgStats}).
 *
 * <p>Closed loop ({@link #measure}): P producer threads, each running its share of the operations one after
 * the other, as fast as it can. Open loop ({@link #measureAtRate}): operations scheduled at a fixed rate
 * ({@link OpenLoop}), latency from each one's scheduled start.
 *
 * <p>The warm-up runs its operations, then more rounds of them until the JIT compilers have settled: until they
 * took less than {@value #SETTLED_JIT_PERCENT}% of a round's time, in this JVM and the target's other JVMs
 * together, or for at most {@link #MAX_WARMUP}. A row measured while the compilers still work measures them too:
 * on two cores they took a quarter of the CPU of {@code tcp-durable}'s P = 4 phase after its fixed warm-up, and
 * more of a row with more code (Agate) than of one with less (the floor).
 */
final class Measurement {
    /** How long one phase may take before the run is declared stuck. */
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(5);
    private static final int SIGNIFICANT_DIGITS = 3;
    /** A warm-up round in which the JIT compilers took less than this share of its time (percent) ends the warm-up. */
    static final int SETTLED_JIT_PERCENT = 5;
    /** The warm-up ends after this long even if the compilers have not settled; the row's progress line then says so. */
    static final Duration MAX_WARMUP = Duration.ofSeconds(90);
    /**
     * A round shorter than this never ends the warm-up, and the next one is twice as long: the compilers' share of a
     * few milliseconds says little, and a receiver reports its compilers' time only every 250 ms.
     */
    private static final long MIN_ROUND_NANOS = Duration.ofSeconds(1).toNanos();

    private Measurement() {
    }

    static Result measure(String scenario, int producers, Size.Counts counts, Target target) throws Exception {
        return measure(scenario, producers, counts, target, null);
    }

    /**
     * As above; {@code walUrl}, when it is a PostgreSQL JDBC URL, is where the server's WAL location is read before
     * and after the measured phase (null, or another store: no WAL figure).
     */
    static Result measure(String scenario, int producers, Size.Counts counts, Target target, String walUrl) throws Exception {
        progress("%s P=%d: warm-up, %,d operations...", scenario, producers, counts.warmup());
        warmUp(scenario + " P=" + producers, target, counts.warmup(),
                operations -> closedLoop(target, producers, operations, new Recorder(SIGNIFICANT_DIGITS), new Stages()));
        progress("%s P=%d: measuring, %,d operations...", scenario, producers, counts.measured());
        Result result = measured(scenario, scenario + " P=" + producers, producers, counts.measured(), target, walUrl,
                (latencies, stages) -> closedLoop(target, producers, counts.measured(), latencies, stages));
        progress("%s P=%d: %,.0f msg/s in %.2f s", scenario, producers, result.messagesPerSecond(), result.elapsedSeconds());
        return result;
    }

    /**
     * Open loop: both phases schedule their operations at {@code rate} per second on up to {@code maxThreads}
     * producer threads, the same threads for both ({@link OpenLoop}); latency is from each operation's scheduled
     * start. Says on stderr whether the measured phase kept its schedule; the row's P is the most operations the
     * measured phase had in progress at once (each on a producer thread), and it carries the rate and the p99 of
     * the start lag.
     */
    static Result measureAtRate(String scenario, int maxThreads, Size.Counts counts, ScheduledTarget target, double rate,
                                String walUrl) throws Exception {
        OpenLoop.Schedule[] schedule = new OpenLoop.Schedule[1];
        Result result;
        try (OpenLoop.Threads threads = new OpenLoop.Threads(maxThreads)) {
            progress("%s: warm-up, %,d operations at %,.0f msg/s (up to %d producer threads)...", scenario, counts.warmup(), rate,
                    maxThreads);
            warmUp(scenario, target, counts.warmup(),
                    operations -> openLoop(target, threads, operations, rate, new Recorder(SIGNIFICANT_DIGITS), new Stages()));
            progress("%s: measuring, %,d operations at %,.0f msg/s...", scenario, counts.measured(), rate);
            result = measured(scenario, scenario, maxThreads, counts.measured(), target, walUrl, (latencies, stages) -> {
                Timed timed = openLoop(target, threads, counts.measured(), rate, latencies, stages);
                schedule[0] = timed.schedule();
                return timed.elapsedNanos();
            });
        }
        OpenLoop.Schedule kept = schedule[0];
        Histogram lag = kept.startLagNanos();
        result = result.withSchedule(rate, lag.getValueAtPercentile(99)).withProducers(kept.peakInFlight());
        progress("%s: %s: %,d of %,d operations started more than %d ms after their scheduled time (start lag p99 %.2f ms,"
                        + " max %.2f ms; at most %d operations in progress at once)%s; handled at %,.0f msg/s, p50 %.2f ms, p99 %.2f ms"
                        + " from the scheduled start",
                scenario, kept.kept() ? "schedule kept" : "SCHEDULE NOT KEPT", kept.late(), kept.operations(),
                OpenLoop.LATE_NANOS / 1_000_000, lag.getValueAtPercentile(99) / 1e6, lag.getMaxValue() / 1e6, kept.peakInFlight(),
                kept.kept() ? "" : ": the offered rate was not met (" + (kept.peakInFlight() >= maxThreads
                        ? "every one of the " + maxThreads + " producer threads was busy; more: -Dbench.latency.producers=N"
                        : "the machine did not run the producer threads in time") + ")",
                result.messagesPerSecond(), result.p50Micros() / 1000, result.p99Micros() / 1000);
        return result;
    }

    @FunctionalInterface
    private interface MeasuredPhase {
        /** Runs the phase, its latencies into {@code latencies} and {@code stages}; returns its elapsed nanoseconds. */
        long run(Recorder latencies, Stages stages) throws Exception;
    }

    /** Measures one phase; {@code label} names it in the stages line ({@link Stages}), printed when its target timed them. */
    private static Result measured(String scenario, String label, int producers, long operations, Target target, String walUrl,
                                   MeasuredPhase phase) throws Exception {
        ProcessMetrics.resetHeapPeaks();
        Recorder latencies = new Recorder(SIGNIFICANT_DIGITS);
        String walBefore = PgStats.walLsn(walUrl);
        CountingDataSource.Counts statementsBefore = target.statementCounts();
        Usage before = Usage.now(target);
        Stages stages = new Stages();
        long elapsedNanos = phase.run(latencies, stages);
        Usage used = Usage.now(target).minus(before);
        CountingDataSource.Counts statementsAfter = target.statementCounts();
        long walBytes = PgStats.walBytesSince(walUrl, walBefore);
        String stagesSummary = stages.summary();
        if (stagesSummary != null) {
            progress("%s: %s", label, stagesSummary);
        }

        return Result.of(scenario, producers, operations, elapsedNanos,
                latencies.getIntervalHistogram(), used.cpuNanos(), used.allocatedBytes(), ProcessMetrics.peakHeapBytes(),
                statementsBefore == null ? null : statementsAfter.minus(statementsBefore)).withWalBytes(walBytes);
    }

    /** One warm-up round of {@code operations}. */
    @FunctionalInterface
    private interface Round {
        void run(long operations) throws Exception;
    }

    /**
     * Runs {@code round} with {@code operations}, then again (doubled while a round takes under a second) until the
     * JIT compilers took less than {@link #SETTLED_JIT_PERCENT}% of a round of at least a second, or {@link #MAX_WARMUP}
     * passed (checked between rounds, so the last round may end a little after it).
     */
    private static void warmUp(String row, Target target, long operations, Round round) throws Exception {
        long start = System.nanoTime();
        long size = operations;
        int rounds = 0;
        double percent;
        boolean shortRound;
        if (ownCompilationMillis() < 0) {
            progress("%s: this JVM does not tell its JIT compilers' time: the warm-up runs its %,d operations only", row, operations);
            round.run(operations);
            return;
        }
        do {
            long compiledBefore = compilationMillis(target);
            long roundStart = System.nanoTime();
            round.run(size);
            long took = System.nanoTime() - roundStart;
            percent = (compilationMillis(target) - compiledBefore) * 1e8 / took;
            rounds++;
            shortRound = took < MIN_ROUND_NANOS;
            if (shortRound) {
                size *= 2;
            }
        } while ((shortRound || percent >= SETTLED_JIT_PERCENT) && System.nanoTime() - start < MAX_WARMUP.toNanos());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (percent >= SETTLED_JIT_PERCENT) {
            progress("%s: the JIT compilers had not settled after %.0f s of warm-up (%d rounds; %.0f%% of the last round's time):"
                    + " the measured phase includes their work", row, seconds, rounds, percent);
        } else if (rounds > 1) {
            progress("%s: warmed up for %.0f s (%d rounds), until the JIT compilers took %.1f%% of a round's time", row, seconds,
                    rounds, percent);
        }
    }

    /**
     * Milliseconds the JIT compilers of this JVM and of the target's other JVMs have spent so far (each compiler
     * thread's time added up); 0 where a JVM does not tell.
     */
    private static long compilationMillis(Target target) {
        return Math.max(0, ownCompilationMillis()) + Math.max(0, target.otherProcessesCompilationMillis());
    }

    /** Milliseconds this JVM's JIT compilers have spent so far (their threads' time added up); -1 when it does not tell. */
    static long ownCompilationMillis() {
        java.lang.management.CompilationMXBean compiler = java.lang.management.ManagementFactory.getCompilationMXBean();
        return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : -1;
    }

    /** Runs one closed-loop phase; returns nanoseconds from releasing the producers until every operation was handled. */
    private static long closedLoop(Target target, int producers, long operations, Recorder latencies, Stages stages) throws Exception {
        Phase phase = new Phase(operations, latencies, stages);
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

    private record Timed(long elapsedNanos, OpenLoop.Schedule schedule) {
    }

    /** Runs one open-loop phase; elapsed is from the first scheduled start until every operation was handled. */
    private static Timed openLoop(ScheduledTarget target, OpenLoop.Threads threads, long operations, double rate,
                                  Recorder latencies, Stages stages) throws Exception {
        Phase phase = new Phase(operations, latencies, stages);
        target.begin(phase);
        OpenLoop loop = OpenLoop.prepare(threads, operations, rate, target);
        long start = loop.release();
        OpenLoop.Schedule schedule = loop.join();
        phase.await(PHASE_TIMEOUT);
        long elapsed = System.nanoTime() - start;
        target.end(phase);
        return new Timed(elapsed, schedule);
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
