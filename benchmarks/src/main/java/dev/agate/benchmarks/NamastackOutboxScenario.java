package dev.agate.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The best-peer baseline: Agate's outbox-local workload on namastack outbox 1.6.0 (Spring Boot 4, JDBC
 * starter) on PostgreSQL. namastack cannot share a class path with Agate's Spring Boot 3.5 modules, so the
 * workload lives in the module {@code benchmarks/namastack} and runs in a JVM of its own per row, started
 * here with {@code java -cp} (this JVM's options, that module's jar and {@code target/classpath.txt}), on a
 * database created for the row and dropped after it. That JVM prints one {@code RESULT {json}} line, with
 * its latency histogram, which becomes a {@link Result} through the same {@link Result#of} as every other
 * row; it exits non-zero, and so fails this scenario, unless every order was handled exactly once.
 *
 * <p>Rows are labelled {@code outbox-local postgres namastack}, P = 1 and P = 8. PostgreSQL only: other
 * {@code --store}s are skipped with a note.
 */
final class NamastackOutboxScenario implements Scenario {
    static final String NAME = "outbox-namastack";
    static final String LABEL = "outbox-local postgres namastack";
    static final String MAIN_CLASS = "dev.agate.benchmarks.namastack.NamastackOutboxBenchmark";
    /** Overrides where the namastack module is, e.g. {@code -Dagate.bench.namastack.dir=benchmarks/namastack}. */
    static final String DIR_PROPERTY = "agate.bench.namastack.dir";
    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final long QUICK_WARMUP = 500;
    private static final long QUICK_MEASURED = 1_500;
    private static final int[] PRODUCERS = {1, 8};
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "namastack outbox 1.6.0 (Spring Boot 4.0.6, JDBC, PostgreSQL) in its own JVM, tuned per its platform-thread"
                + " candidate (fixed 25 ms poll, 1,000 keys per poll, executor 16/32): each @Transactional call inserts a"
                + " ~200-byte bench_orders row and schedules one record; the handler inserts a bench_handled row in its own"
                + " transaction; latency = send to handler commit; exactly-once checked in the database";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? List.of("postgres") : stores) {
            if (!store.equals("postgres")) {
                progress("%s runs on PostgreSQL only; skipping --store %s", NAME, store);
                continue;
            }
            for (int producers : PRODUCERS) {
                results.add(measure(producers, counts));
            }
        }
        return results;
    }

    private static Result measure(int producers, Size.Counts counts) throws Exception {
        List<String> classPath = classPath(moduleDir());
        String database = "agate_bench_nama_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        admin("CREATE DATABASE " + database);
        try {
            String url = "jdbc:postgresql://127.0.0.1:5432/" + database + "?user=postgres";
            progress("%s P=%d: namastack JVM, warm-up %,d then %,d measured orders...", LABEL, producers,
                    counts.warmup(), counts.measured());
            Result result = toResult(producers, launch(classPath, url, producers, counts));
            progress("%s P=%d: %,.0f msg/s in %.2f s", LABEL, producers, result.messagesPerSecond(), result.elapsedSeconds());
            return result;
        } finally {
            admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    /** Runs the namastack JVM; returns the JSON of its RESULT line. Its other output goes to this stderr. */
    private static String launch(List<String> classPath, String url, int producers, Size.Counts counts) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, classPath));
        command.add(MAIN_CLASS);
        command.add(url);
        command.add(Integer.toString(producers));
        command.add(Long.toString(counts.warmup()));
        command.add(Long.toString(counts.measured()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("RESULT ")) {
                    json = line.substring("RESULT ".length());
                } else {
                    System.err.println(line);
                }
            }
        }
        int status = child.waitFor();
        if (status != 0) {
            throw new IllegalStateException("the namastack JVM failed (exit status " + status + "); its errors are above");
        }
        if (json == null) {
            throw new IllegalStateException("the namastack JVM printed no RESULT line");
        }
        return json;
    }

    /** The row for a RESULT line, computed by {@link Result#of} from its raw figures and latency histogram. */
    static Result toResult(int producers, String json) throws IOException, java.util.zip.DataFormatException {
        JsonNode r = JSON.readTree(json);
        byte[] encoded = Base64.getDecoder().decode(r.required("latencyHistogram").asText());
        Histogram latencies = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
        return Result.of(LABEL, producers, r.required("messages").asLong(), r.required("elapsedNanos").asLong(),
                latencies, r.required("cpuNanos").asLong(), r.required("allocatedBytes").asLong(),
                r.required("peakHeapBytes").asLong());
    }

    /**
     * {@code benchmarks/namastack}: the {@value #DIR_PROPERTY} property, else next to this harness's own build
     * output ({@code benchmarks/target/agate-benchmarks-*.jar} or {@code benchmarks/target/classes}).
     */
    static Path moduleDir() throws URISyntaxException {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null) {
            return Path.of(configured);
        }
        Path code = Path.of(NamastackOutboxScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return code.toAbsolutePath().getParent().getParent().resolve("namastack");
    }

    /** The module's jar (or classes) and its runtime dependencies, from the files its build leaves. */
    static List<String> classPath(Path moduleDir) throws IOException {
        Path target = moduleDir.resolve("target");
        Path listing = target.resolve("classpath.txt");
        if (!Files.isRegularFile(listing)) {
            throw new IllegalStateException("no " + listing + ": build the namastack module first"
                    + " (benchmarks/run does; or mvn -pl benchmarks/namastack package)");
        }
        List<String> classPath = new ArrayList<>();
        try (Stream<Path> files = Files.list(target)) {
            files.filter(f -> f.getFileName().toString().matches("agate-benchmarks-namastack-.*\\.jar"))
                    .findFirst().ifPresentOrElse(jar -> classPath.add(jar.toString()),
                            () -> classPath.add(target.resolve("classes").toString()));
        }
        String dependencies = Files.readString(listing).trim();
        if (!dependencies.isEmpty()) {
            classPath.addAll(List.of(dependencies.split(java.util.regex.Pattern.quote(java.io.File.pathSeparator))));
        }
        return classPath;
    }

    private static void admin(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(PG_ADMIN); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void progress(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
