package dev.agate.benchmarks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a run's results, with the machine and JVM they were measured on, as JSON. */
final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    /** Writes the report to {@code file}, creating its directory; returns the file's absolute path. */
    static Path write(Path file, Options options, List<Result> results) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        JSON.writeValue(target.toFile(), document(options, results));
        return target;
    }

    /** The results of a report written by {@link #write}. */
    static List<Result> readResults(Path file) throws IOException {
        JsonNode results = JSON.readTree(file.toFile()).get("results");
        if (results == null) {
            throw new IOException(file + " holds no results");
        }
        return JSON.convertValue(results, new TypeReference<List<Result>>() { });
    }

    static Map<String, Object> document(Options options, List<Result> results) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS)));
        doc.put("run", run(options));
        doc.put("machine", machine());
        doc.put("units", units());
        doc.put("scenarios", descriptions(options.scenarios()));
        doc.put("results", results);
        doc.put("ratios", RatioLines.of(results));
        doc.put("latency", LatencyLines.of(results));
        return doc;
    }

    private static Map<String, Object> run(Options options) {
        Map<String, Object> run = new LinkedHashMap<>();
        Size size = BenchmarkMain.size(options);
        run.put("size", size.name().toLowerCase(java.util.Locale.ROOT));
        run.put("scale", size.scale());
        run.put("jvms", options.inProcess() ? "one JVM for every scenario" : "one new JVM per scenario");
        run.put("store", options.store().orElse(null));
        run.put("storeNote", options.store().isPresent() ? BenchmarkMain.STORE_NOTE : null);
        return run;
    }

    static Map<String, Object> machine() {
        Runtime runtime = Runtime.getRuntime();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", runtime.availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
        machine.put("jvmVersion", System.getProperty("java.runtime.version"));
        machine.put("jvmVendor", System.getProperty("java.vm.vendor"));
        machine.put("jvmName", System.getProperty("java.vm.name"));
        machine.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        machine.put("maxHeapMb", runtime.maxMemory() / (1024 * 1024));
        return machine;
    }

    private static Map<String, String> units() {
        Map<String, String> units = new LinkedHashMap<>();
        units.put("elapsedSeconds", "seconds, first send until the last message was handled");
        units.put("messagesPerSecond", "messages (or invoke calls) per second");
        units.put("latency", "microseconds (p50Micros, p99Micros, maxMicros)");
        units.put("cpuSecondsPer10k", "process CPU seconds, all threads, per 10,000 messages");
        units.put("allocatedBytesPerMessage", "heap bytes allocated by all threads per message");
        units.put("peakHeapMb", "MiB, sum of the heap pools' peak use during the measured phase");
        units.put("statementsPerMessage", "SQL statements per message on the row's database, all threads (each execute* or"
                + " executeBatch call one); -1 without a database");
        units.put("commitsPerMessage", "commits and rollbacks per message on the row's database, all threads; -1 without a database");
        units.put("roundTripsPerMessage", "database round trips per message, all threads: each execute* or executeBatch call, commit"
                + " and rollback one (statements + commits); -1 where not counted (a store with a pool of its own)");
        units.put("walBytesPerMessage", "PostgreSQL only: WAL bytes per message over the measured phase, pg_wal_lsn_diff of"
                + " pg_current_wal_lsn() after and before; the whole server's WAL (other databases' writes at the time included);"
                + " -1 where not measured");
        units.put("offeredRate", "open-loop rows (latency): the fixed rate, msg/s, operations were scheduled at; -1 for a closed-loop row");
        units.put("startLagP99Micros", "open-loop rows: p99 of how late operations started after their scheduled time, microseconds;"
                + " -1 for a closed-loop row");
        return units;
    }

    private static Map<String, String> descriptions(List<String> scenarios) {
        Map<String, String> descriptions = new LinkedHashMap<>();
        scenarios.forEach(name -> descriptions.put(name, Scenarios.named(name).description()));
        return descriptions;
    }
}
