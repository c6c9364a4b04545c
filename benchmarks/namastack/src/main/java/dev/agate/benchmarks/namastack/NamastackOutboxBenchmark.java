package dev.agate.benchmarks.namastack;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The outbox-local workload on namastack outbox 1.6.0 (Spring Boot 4, JDBC starter, PostgreSQL), for the
 * Agate harness's {@code outbox-namastack} scenario, which starts this main in a JVM of its own.
 *
 * <p>{@code java -cp ... dev.agate.benchmarks.namastack.NamastackOutboxBenchmark JDBC_URL P WARMUP MEASURED}
 *
 * <p>P producer threads each call {@link OrderService#place} (one {@code @Transactional} call: a ~200-byte
 * {@code bench_orders} row and one outbox record); {@link OrderPlacedHandler} inserts one {@code bench_handled}
 * row in its own transaction and records send-to-commit latency. A warm-up phase, discarded, then a measured
 * phase. At the end every order must have been handled exactly once (rows counted in the database), or the
 * process exits with status 1. The database must exist and be empty; namastack creates its own tables.
 *
 * <p>Prints exactly one line starting with {@code RESULT } to stdout: a JSON object with the measured
 * phase's figures (and its latency histogram, compressed, base64) for the harness to read. Everything else
 * (Spring's log, progress) goes to stdout/stderr unprefixed.
 */
@SpringBootApplication
public class NamastackOutboxBenchmark {
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(1);
    private static final int SIGNIFICANT_DIGITS = 3;
    /** The business row's payload: 200 ASCII characters, so about 200 bytes. */
    private static final String PAYLOAD = "order:" + "x".repeat(194);

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: NamastackOutboxBenchmark JDBC_URL PRODUCERS WARMUP MEASURED");
            System.exit(2);
        }
        String url = args[0];
        int producers = Integer.parseInt(args[1]);
        long warmup = Long.parseLong(args[2]);
        long measured = Long.parseLong(args[3]);

        progress("starting Spring Boot and namastack outbox...");
        createBusinessTables(url);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(NamastackOutboxBenchmark.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties(properties(url, producers))
                .run();
        String result;
        try {
            OrderService orders = context.getBean(OrderService.class);
            Progress progress = context.getBean(Progress.class);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);

            progress("P=%d: warm-up, %,d orders...", producers, warmup);
            long warmedUp = warmUp(orders, progress, producers, warmup);

            resetHeapPeaks();
            Recorder latencies = new Recorder(SIGNIFICANT_DIGITS);
            progress("P=%d: measuring, %,d orders...", producers, measured);
            long cpuBefore = cpuNanos();
            long allocatedBefore = allocatedBytes();
            long elapsedNanos = runPhase(orders, progress, producers, new Progress.Phase(1 + warmedUp, measured, latencies));
            long cpu = difference(cpuNanos(), cpuBefore);
            long allocated = difference(allocatedBytes(), allocatedBefore);
            long peakHeap = peakHeapBytes();
            Histogram histogram = latencies.getIntervalHistogram();
            progress("P=%d: %,.0f msg/s in %.2f s", producers, measured / (elapsedNanos / 1e9), elapsedNanos / 1e9);

            verifyExactlyOnce(jdbc, warmedUp + measured);
            progress("namastack executor threads alive: %d", Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("outbox-proc-")).count());
            result = resultLine(producers, measured, elapsedNanos, histogram, cpu, allocated, peakHeap);
        } catch (Throwable t) {
            context.close();
            System.err.println("error: namastack outbox benchmark failed: " + t);
            t.printStackTrace();
            System.exit(1);
            return;
        }
        progress("stopping...");
        context.close();
        progress("stopped");
        System.out.println(result);
        System.out.flush();
    }

    /**
     * namastack's own "Platform-Thread Candidate" from its performance-tuning guide (fixed 25 ms polling,
     * 1,000 record keys per poll, executor core 16 / max 32, completed records kept, stop on first failure,
     * 1 s heartbeat and rebalance, 10 s stale timeout), plus what its performance-test consumer sets next to
     * it (a Hikari pool of 30, the event multicaster off, WARN logging). The pool gets one more connection per
     * producer thread, since producers and consumer share this JVM here.
     */
    static Map<String, Object> properties(String url, int producers) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("spring.datasource.url", url);
        p.put("spring.datasource.hikari.maximum-pool-size", 30 + producers);
        p.put("spring.datasource.hikari.minimum-idle", 5);
        p.put("spring.threads.virtual.enabled", false);
        p.put("namastack.outbox.polling.trigger", "fixed");
        p.put("namastack.outbox.polling.batch-size", 1000);
        p.put("namastack.outbox.polling.fixed.interval", "25ms");
        p.put("namastack.outbox.processing.delete-completed-records", false);
        p.put("namastack.outbox.processing.stop-on-first-failure", true);
        p.put("namastack.outbox.processing.executor-core-pool-size", 16);
        p.put("namastack.outbox.processing.executor-max-pool-size", 32);
        p.put("namastack.outbox.instance.heartbeat-interval", "1s");
        p.put("namastack.outbox.instance.stale-instance-timeout", "10s");
        p.put("namastack.outbox.instance.rebalance-interval", "1s");
        p.put("namastack.outbox.multicaster.enabled", false);
        p.put("logging.level.root", "WARN");
        return p;
    }

    private static void createBusinessTables(String url) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE bench_orders (id BIGINT PRIMARY KEY, payload VARCHAR(300) NOT NULL)");
            // No key: a second handling of an order must show up as a second row.
            statement.execute("CREATE TABLE bench_handled (id BIGINT NOT NULL)");
        }
    }

    /**
     * The harness's warm-up rule (dev.agate.benchmarks.Measurement): {@code orders} orders, then rounds of them (doubled
     * while a round takes under a second) until this JVM's JIT compilers took less than 5% of a round of at least a
     * second, for at most 90 s (checked between rounds). Returns how many orders it placed, with ids from 1.
     */
    private static long warmUp(OrderService orders, Progress progress, int producers, long orders0) throws Exception {
        java.lang.management.CompilationMXBean compiler = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean timed = compiler != null && compiler.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long placed = 0;
        long size = orders0;
        double percent;
        boolean shortRound;
        do {
            long compiledBefore = timed ? compiler.getTotalCompilationTime() : 0;
            long roundStart = System.nanoTime();
            runPhase(orders, progress, producers, new Progress.Phase(1 + placed, size, new Recorder(SIGNIFICANT_DIGITS)));
            long took = System.nanoTime() - roundStart;
            placed += size;
            percent = timed ? (compiler.getTotalCompilationTime() - compiledBefore) * 1e8 / took : 0;
            shortRound = took < 1_000_000_000L;
            if (shortRound) {
                size *= 2;
            }
        } while (timed && (shortRound || percent >= 5) && System.nanoTime() - start < 90_000_000_000L);
        progress("P=%d: warmed up for %.0f s (%,d orders), the JIT compilers at %.1f%% of the last round's time%s", producers,
                (System.nanoTime() - start) / 1e9, placed, percent, percent >= 5 ? ": NOT SETTLED" : "");
        return placed;
    }

    /** Runs one phase; returns nanoseconds from releasing the producers until every order was handled. */
    private static long runPhase(OrderService orders, Progress progress, int producers, Progress.Phase phase)
            throws Exception {
        progress.begin(phase);
        AtomicLong nextId = new AtomicLong(phase.firstId());
        long lastId = phase.firstId() + phase.operations() - 1;
        CountDownLatch gate = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            Thread thread = new Thread(() -> {
                try {
                    gate.await();
                    for (long id = nextId.getAndIncrement(); id <= lastId; id = nextId.getAndIncrement()) {
                        orders.place(id, PAYLOAD, System.nanoTime());
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "bench-producer-" + (i + 1));
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        long start = System.nanoTime();
        gate.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a producer failed", failure.get());
        }
        phase.await(PHASE_TIMEOUT);
        return System.nanoTime() - start;
    }

    /**
     * Waits until namastack has marked every record completed, then checks, in the database, that each of
     * the {@code total} orders was handled exactly once; throws otherwise.
     */
    private static void verifyExactlyOnce(JdbcTemplate jdbc, long total) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        long open;
        while ((open = count(jdbc, "SELECT COUNT(*) FROM outbox_record WHERE status <> 'COMPLETED'")) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(open + " outbox records still not completed " + SETTLE_TIMEOUT
                        + " after the last order was handled");
            }
            Thread.sleep(50);
        }
        long orders = count(jdbc, "SELECT COUNT(*) FROM bench_orders");
        long records = count(jdbc, "SELECT COUNT(*) FROM outbox_record");
        long handled = count(jdbc, "SELECT COUNT(*) FROM bench_handled");
        long distinct = count(jdbc, "SELECT COUNT(DISTINCT id) FROM bench_handled");
        long orphans = count(jdbc, "SELECT COUNT(*) FROM bench_handled h LEFT JOIN bench_orders o ON o.id = h.id WHERE o.id IS NULL");
        String figures = String.format(Locale.ROOT,
                "orders %d, outbox records %d, handled rows %d, distinct handled %d, handled without order %d; expected %d",
                orders, records, handled, distinct, orphans, total);
        if (orders != total || records != total || handled != total || distinct != total || orphans != 0) {
            throw new IllegalStateException("not exactly once: " + figures);
        }
        progress("exactly once: %s", figures);
    }

    private static long count(JdbcTemplate jdbc, String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? -1 : n;
    }

    /** {@code RESULT {json}}: the figures, rounded like the harness's Result, and the raw inputs they come from. */
    static String resultLine(int producers, long messages, long elapsedNanos, Histogram latencyNanos, long cpuNanos,
                             long allocatedBytes, long peakHeapBytes) {
        double seconds = elapsedNanos / 1e9;
        ByteBuffer buffer = ByteBuffer.allocate(latencyNanos.getNeededByteBufferCapacity());
        int length = latencyNanos.encodeIntoCompressedByteBuffer(buffer);
        String histogram = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
        return String.format(Locale.ROOT, "RESULT {\"producers\":%d,\"messages\":%d,\"elapsedSeconds\":%.3f,"
                        + "\"msgsPerSecond\":%.1f,\"latencySamples\":%d,\"p50Micros\":%.2f,\"p99Micros\":%.2f,"
                        + "\"maxMicros\":%.2f,\"cpuSecondsPer10k\":%.4f,\"allocatedBytesPerMessage\":%.1f,"
                        + "\"peakHeapMb\":%.1f,\"elapsedNanos\":%d,\"cpuNanos\":%d,\"allocatedBytes\":%d,"
                        + "\"peakHeapBytes\":%d,\"latencyHistogram\":\"%s\"}",
                producers, messages, seconds, messages / seconds, latencyNanos.getTotalCount(),
                latencyNanos.getValueAtPercentile(50) / 1e3, latencyNanos.getValueAtPercentile(99) / 1e3,
                latencyNanos.getMaxValue() / 1e3, cpuNanos < 0 ? -1 : cpuNanos / 1e9 / messages * 10_000,
                allocatedBytes < 0 ? -1 : (double) allocatedBytes / messages, peakHeapBytes / (1024.0 * 1024.0),
                elapsedNanos, cpuNanos, allocatedBytes, peakHeapBytes, histogram);
    }

    // The same JVM figures as the harness's ProcessMetrics (which this module cannot depend on).

    private static long cpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    private static long allocatedBytes() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemoryEnabled()
                ? sun.getTotalThreadAllocatedBytes() : -1;
    }

    private static void resetHeapPeaks() {
        System.gc();
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeapBytes() {
        return heapPools().stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isValid())
                .toList();
    }

    private static long difference(long later, long earlier) {
        return later < 0 || earlier < 0 ? -1 : later - earlier;
    }

    private static void progress(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, "[namastack %5.1f s] ", ManagementFactory.getRuntimeMXBean().getUptime() / 1e3) + String.format(Locale.ROOT, format, args));
    }
}
