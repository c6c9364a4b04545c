package dev.agate.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spi.StoreAdmin;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Does the inbox stay flat? {@code bus().send} into a durable local queue at a fixed rate (default 2,000
 * messages a second, {@code -Dbench.soak.rate}) for 10 minutes (2 with {@code --quick};
 * {@code -Dbench.soak.minutes}), with a 1-minute deduplication horizon and cleanup every 10 s: after the
 * first window the handled rows kept for deduplication, and so the table and its indexes, must stop
 * growing. Each minute it prints (to stderr) the rows by state, the table's size and the rows cleanup
 * deleted per second; the last line, {@code soak store=... rows_growth_after_window=...}, sums it up. The
 * report row's statements per message include the cleanup's deletes: the cost of the deduplication record.
 * PostgreSQL by default; SQLite with {@code --store sqlite}.
 */
final class SoakScenario implements Scenario {
    static final String NAME = "soak";
    private static final Duration HORIZON = Duration.ofMinutes(1);
    private static final Duration CLEANUP = Duration.ofSeconds(10);
    private static final int SENDERS = 4;

    record Deposit(long sentAtNanos) {
    }

    static final class Handled {
        final Recorder latencies = new Recorder(3);
        final AtomicLong count = new AtomicLong();

        @Handler
        void on(Deposit deposit) {
            latencies.recordValue(Math.max(0, System.nanoTime() - deposit.sentAtNanos()));
            count.incrementAndGet();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "bus().send to a durable local queue at a fixed rate for minutes, deduplication horizon 1 min, cleanup every"
                + " 10 s: rows, table size and cleanup rows/s per minute must stay flat after the first window; latency ="
                + " send to handler start";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? List.of("postgres") : stores) {
            results.add(soak(store, Integer.getInteger("bench.soak.rate", 2_000),
                    Integer.getInteger("bench.soak.minutes", size == Size.QUICK ? 2 : 10)));
        }
        return results;
    }

    private static Result soak(String store, int rate, int minutes) throws Exception {
        try (BenchDatabase db = BenchDatabase.create(store)) {
            Result result = soak(db, store, rate, minutes);
            PgStats.printIndexScans(db.url(), result.scenario());
            return result;
        }
    }

    private static Result soak(BenchDatabase db, String store, int rate, int minutes) throws Exception {
        try (HikariDataSource pool = db.pool(SENDERS + 4)) {
            CountingDataSource dataSource = new CountingDataSource(pool);
            Handled handled = new Handled();
            LocalQueue queue = LocalQueue.builder("Deposit").durable().maximumParallelism(Runtime.getRuntime().availableProcessors()).build();
            try (AgateHost host = AgateHost.builder().serviceName("soak").handlers(handled).localQueue(queue)
                    .store(JdbcMessageStore.builder(dataSource, db.url()).build())
                    .durability(Durability.defaults().deduplicationHorizon(HORIZON).cleanupInterval(CLEANUP)).start()) {
                System.err.printf("soak %s: %,d msg/s for %d min, deduplication horizon %s, cleanup every %s%n", store, rate, minutes,
                        HORIZON, CLEANUP);
                ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
                AtomicLong sent = new AtomicLong();
                long started = System.nanoTime();
                long end = started + TimeUnit.MINUTES.toNanos(minutes);
                long perSenderInterval = TimeUnit.SECONDS.toNanos(1) * SENDERS / rate;
                for (int s = 0; s < SENDERS; s++) {
                    long offset = s * perSenderInterval / SENDERS;
                    senders.submit(() -> {
                        long next = started + offset;
                        while (next < end) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            host.bus().send(new Deposit(next)); // latency from the intended time: no coordinated omission
                            sent.incrementAndGet();
                            next += perSenderInterval;
                        }
                        return null;
                    });
                }
                CountingDataSource.Counts before = dataSource.counts();
                String walBefore = PgStats.walLsn(db.url());
                Histogram latencies = new Histogram(3);
                List<long[]> samples = new ArrayList<>(); // minute, rows, bytes, sent
                long lastSent = 0;
                long lastRows = rows(db);
                for (int minute = 1; minute <= minutes; minute++) {
                    LockSupport.parkNanos(Math.max(0, started + TimeUnit.MINUTES.toNanos(minute) - System.nanoTime()));
                    StoreAdmin.Counts counts = admin(db);
                    long rows = counts.incoming() + counts.scheduled() + counts.handled();
                    long bytes = tableBytes(db);
                    long sentNow = sent.get();
                    long deletedPerSecond = Math.max(0, (sentNow - lastSent) - (rows - lastRows)) / 60;
                    System.err.printf("soak %s minute %2d: sent %,9d handled %,9d | rows %,9d (incoming %,d, handled kept %,d) | table %7.1f MB"
                            + " | cleanup %,6d rows/s%n", store, minute, sentNow, handled.count.get(), rows, counts.incoming(),
                            counts.handled(), bytes / 1e6, deletedPerSecond);
                    samples.add(new long[] {minute, rows, bytes, deletedPerSecond});
                    latencies.add(handled.latencies.getIntervalHistogram());
                    lastSent = sentNow;
                    lastRows = rows;
                }
                senders.shutdown();
                senders.awaitTermination(1, TimeUnit.MINUTES);
                long elapsed = System.nanoTime() - started;
                CountingDataSource.Counts statements = dataSource.counts().minus(before);
                long walBytes = PgStats.walBytesSince(db.url(), walBefore);
                summarize(store, rate, minutes, samples);
                return Result.of(NAME + " " + store + " rate=" + rate, SENDERS, sent.get(), elapsed, latencies, -1, -1, 0, statements)
                        .withWalBytes(walBytes);
            }
        }
    }

    /** The line for scripts: growth from the end of the second minute (one horizon plus its cleanup) to the end. */
    private static void summarize(String store, int rate, int minutes, List<long[]> samples) {
        if (samples.size() < 3) {
            System.err.printf("soak store=%s rate=%d minutes=%d: too short to judge (at least 3 minutes)%n", store, rate, minutes);
            return;
        }
        long[] settled = samples.get(1);
        long[] last = samples.get(samples.size() - 1);
        double cleanup = samples.subList(1, samples.size()).stream().mapToLong(s -> s[3]).average().orElse(0);
        System.err.printf("soak store=%s rate=%d minutes=%d horizon_s=%d rows_after_window=%d rows_end=%d rows_growth_after_window=%.2f"
                        + " table_mb_after_window=%.1f table_mb_end=%.1f cleanup_rows_s=%.0f%n", store, rate, minutes, HORIZON.toSeconds(),
                settled[1], last[1], (double) last[1] / Math.max(1, settled[1]), settled[2] / 1e6, last[2] / 1e6, cleanup);
    }

    private static long rows(BenchDatabase db) {
        StoreAdmin.Counts counts = admin(db);
        return counts.incoming() + counts.scheduled() + counts.handled();
    }

    private static StoreAdmin.Counts admin(BenchDatabase db) {
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url()).build()) {
            store.start();
            return store.admin().counts();
        }
    }

    /** The inbox table with its indexes (and TOAST), or the SQLite file's pages in use. */
    private static long tableBytes(BenchDatabase db) throws Exception {
        String sql = db.isSqlite() ? "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()"
                : "SELECT pg_total_relation_size('agate_incoming_envelopes')";
        try (Connection connection = java.sql.DriverManager.getConnection(db.url()); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
