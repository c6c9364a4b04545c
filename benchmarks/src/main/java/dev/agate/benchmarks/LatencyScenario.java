package dev.agate.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code latency}, on request only: the {@code outbox-local} work offered at a fixed rate (open loop), to see
 * the latency of a system that keeps up, not of a backlog. Per store:
 * <ol>
 *   <li>the floor's maximum: the {@code outbox-local STORE floor} row at P = 8 of the same run when the run
 *       measured one (the harness hands its msg/s over), else a short closed-loop floor phase at P = 8 here, the
 *       row {@code latency STORE floor-max};</li>
 *   <li>the rate R = half that maximum ({@code -Dbench.latency.rate=N} fixes it instead), the same for both rows;</li>
 *   <li>{@code latency STORE floor}, then {@code latency STORE agate}: the floor and Agate exactly as in
 *       {@code outbox-local} (the pool of its P = 8 rows), each on a fresh database, their operations scheduled at R on
 *       up to {@code -Dbench.latency.producers} threads (default 512, started as needed) by {@link OpenLoop}: operation i is meant to start
 *       at t0 + i / R, and its latency runs from that time (so an operation that started late counts its wait:
 *       no coordinated omission) to the commit of the transaction that handled it, recorded in an HdrHistogram.
 *       Whether the schedule was kept goes to stderr, and each row carries R and the p99 of its start lag.</li>
 * </ol>
 * At the end of the run, one line per store ({@link LatencyLines}).
 */
final class LatencyScenario implements Scenario {
    static final String NAME = "latency";
    /**
     * Set by the harness for this scenario's JVM: {@code store=msg/s,...}, the msg/s of the run's
     * {@code outbox-local STORE floor} rows at P = 8 ({@link #floorRates}).
     */
    static final String FLOOR_RATES_PROPERTY = "bench.latency.floor-msgs";
    /**
     * The most producer threads serving the schedule at once ({@code -Dbench.latency.producers=N}): they are started
     * as operations find every thread busy, so that operations keep arriving at the rate while earlier ones wait
     * for the database. They share the pool of outbox-local at P = 8 ({@link #POOL_SIZE}): a burst of them queues
     * for its connections, as an application's requests would.
     */
    static final int DEFAULT_THREADS = 512;
    /** The pool of outbox-local's P = 8 rows: 12 connections on a server (1 on SQLite), whatever the threads. */
    static final int POOL_SIZE = OutboxLocalScenario.poolSize(RatioLines.PRODUCERS);
    /**
     * As many operations as the measured phase: about what Agate's outbox-local row at P = 8 has run in its JVM before it
     * is measured (the P = 1 row, then its own warm-up). With a third of that, the measured phase began while the JIT
     * still compiled Agate's code, the row fell behind the rate, and its p99 measured that backlog (50 and 288 ms
     * on PostgreSQL, against 20 to 30 ms with this warm-up, in the same window).
     */
    private static final long QUICK_WARMUP = 3_000;
    private static final long QUICK_MEASURED = 3_000;
    /** The closed-loop floor phase that finds the maximum when the run has no floor row: outbox-local's counts. */
    private static final long QUICK_MAX_WARMUP = 1_000;
    private static final long QUICK_MAX_MEASURED = 2_000;
    private static final int MAX_PRODUCERS = RatioLines.PRODUCERS;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "open loop: the outbox-local work (business row + message per transaction, handler inserts a row) offered at a"
                + " fixed rate R = half the floor's maximum msg/s (the run's outbox-local floor row at P = 8, or a short"
                + " closed-loop floor phase), the same R for the floor and Agate; operation i scheduled at t0 + i/R and run on a"
                + " producer thread started when every other is busy; latency = scheduled start to the handling transaction's"
                + " commit (coordinated omission corrected); P = the most operations in progress at once, each on its own thread";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        int threads = Integer.getInteger("bench.latency.producers", DEFAULT_THREADS);
        Map<String, Double> known = parseFloorRates(System.getProperty(FLOOR_RATES_PROPERTY, ""));
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? OutboxLocalScenario.DEFAULT_STORES : stores) {
            double max;
            if (known.containsKey(store)) {
                max = known.get(store);
                progress("%s %s: the floor's maximum, from this run's outbox-local floor row at P=%d: %,.0f msg/s",
                        NAME, store, MAX_PRODUCERS, max);
            } else {
                String label = NAME + " " + store + " floor-max";
                Size.Counts maxCounts = size.counts(QUICK_MAX_WARMUP, QUICK_MAX_MEASURED);
                Result floorMax = OutboxLocalScenario.onFreshDatabase(store, "floor", label, POOL_SIZE,
                        maxCounts.warmup() + maxCounts.measured(),
                        (target, url) -> Measurement.measure(label, MAX_PRODUCERS, maxCounts, target, url));
                results.add(floorMax);
                max = floorMax.messagesPerSecond();
                progress("%s %s: the floor's maximum, measured closed-loop at P=%d: %,.0f msg/s", NAME, store, MAX_PRODUCERS, max);
            }
            String fixed = System.getProperty("bench.latency.rate");
            double rate = fixed != null ? Double.parseDouble(fixed) : max / 2;
            for (String variant : List.of("floor", "agate")) {
                String label = NAME + " " + store + " " + variant;
                results.add(OutboxLocalScenario.onFreshDatabase(store, variant, label, POOL_SIZE, counts.warmup() + counts.measured(),
                        (target, url) -> Measurement.measureAtRate(label, threads, counts, target, rate, url)));
            }
            LatencyLines.of(results).stream().filter(line -> line.contains(" store=" + store + " "))
                    .forEach(line -> progress("%s", line));
        }
        return results;
    }

    /**
     * What the harness hands this scenario's JVM: {@code store=msg/s,...} of the {@code outbox-local STORE floor} rows
     * at P = 8 among {@code results}; empty when there is none.
     */
    static Optional<String> floorRates(List<Result> results) {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (Result r : results) {
            String[] words = r.scenario().split(" ");
            if (words.length == 3 && words[0].equals(OutboxLocalScenario.NAME) && words[2].equals("floor")
                    && r.producers() == MAX_PRODUCERS && r.messagesPerSecond() > 0) {
                rates.putIfAbsent(words[1], r.messagesPerSecond());
            }
        }
        if (rates.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        rates.forEach((store, rate) -> parts.add(store + "=" + String.format(Locale.ROOT, "%.1f", rate)));
        return Optional.of(String.join(",", parts));
    }

    static Map<String, Double> parseFloorRates(String value) {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                rates.put(part.substring(0, eq).trim(), Double.valueOf(part.substring(eq + 1).trim()));
            }
        }
        return rates;
    }

    private static void progress(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
