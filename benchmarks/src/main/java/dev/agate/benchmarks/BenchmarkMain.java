package dev.agate.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Agate benchmark harness; start it with {@code benchmarks/run}.
 *
 * <p>It measures, with no database:
 * <ul>
 *   <li>{@code buffered-local}: {@code bus().send} into one buffered local queue (parallelism = cores,
 *       capacity 10,000) with a no-op handler, from P = 1 and P = 4 producer threads: end-to-end messages
 *       per second (first send until the handler has seen them all) and the latency from send to handler
 *       start, queueing included;</li>
 *   <li>{@code invoke}: {@code bus().invoke} with a no-op handler on the calling thread: calls per second
 *       and the duration of each call;</li>
 *   <li>{@code tcp-lightweight}: requests over TCP to a receiving JVM and its answers, buffered on both
 *       sides (P = 1 and 4): messages per second until every answer arrived, and the round trip.</li>
 * </ul>
 * and with a store ({@code --store}, default SQLite then PostgreSQL):
 * <ul>
 *   <li>{@code durable-local}: {@code bus().send} into a durable local queue, each send its own
 *       transaction, with a handler that writes a ledger row in the handling's transaction (P = 1 and 4)
 *       or does nothing (P = 4): messages per second and latency from send to handler start;</li>
 *   <li>{@code outbox-local}: the transactional outbox (a business row and a message per transaction) into
 *       a durable local queue whose handler writes a row, against its floor, hand-written JDBC with ideal
 *       batching (P = 1 and 8): messages per second, latency from the producer's transaction to the
 *       handling's commit, statements per message, exactly-once checked; then one {@code ratio} line per
 *       store ({@link RatioLines}).</li>
 *   <li>{@code latency} (only when named): the outbox-local work offered at a fixed rate, half the floor's
 *       maximum, to the floor and to Agate; latency from each operation's scheduled start to the handling's
 *       commit (coordinated omission corrected); then one {@code latency outbox-local} line per store
 *       ({@link LatencyLines}).</li>
 *   <li>{@code tcp-durable}: requests over TCP, each sent through the outbox of a transaction, to a
 *       receiving JVM with its own database whose handler writes a row and answers, durable on both sides
 *       (P = 1 and 4): messages per second until every answer arrived, and the round trip; then one
 *       {@code ratio tcp-durable} line per store, against that store's outbox-local floor ({@link RatioLines}).</li>
 *   <li>{@code rabbitmq-durable}: the outbox through RabbitMQ ({@code rabbitmq://queue/NAME}) to a host listening
 *       durably whose handler writes a row (P = 4), against the broker floor, the plain RabbitMQ client with
 *       persistent messages, pipelined confirms and manual acks, no database; then one {@code ratio rabbitmq-durable}
 *       line per store ({@link RatioLines}). Skipped when no broker answers ({@link RabbitMqScenario}).</li>
 *   <li>{@code outbox-namastack}: the baseline, namastack outbox 1.6.0 on PostgreSQL, started in a JVM of its
 *       own from the module {@code benchmarks/namastack} (see {@link NamastackOutboxScenario}).</li>
 * </ul>
 * Each scenario runs in a new JVM (see {@link ScenarioJvm}), unless {@code --in-process} is given.
 * Each row is a warm-up phase, discarded, then a measured phase, for which it also reports the process CPU
 * time per 10,000 messages, the heap bytes allocated per message and the peak heap. Latencies are
 * recorded in nanoseconds into HdrHistograms and reported in microseconds.
 *
 * <p>Output: a Markdown table on stdout, then the path of the JSON report (default
 * {@code benchmarks/results/latest.json}); progress goes to stderr. Exit status 2 for a bad command line.
 */
public final class BenchmarkMain {
    static final String STORE_NOTE = "--store applies to durable-local, outbox-local, outbox-peer, outbox-namastack (PostgreSQL only), tcp-durable and"
            + " rabbitmq-durable only; buffered-local, invoke and tcp-lightweight use no database";

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(Options.usage());
            System.exit(2);
            return;
        }
        if (Observed.ON) {
            // stderr, with the progress: stdout is the table and the ratio lines that scripts read
            System.err.println("[bench] observability: the Agate hosts of buffered-local, invoke and outbox-local run with metrics and"
                    + " traces on (--observe)");
        }
        List<Result> results = run(options);
        System.out.print(MarkdownTable.render(results));
        Path json = JsonReport.write(options.output(), options, results);
        System.out.println();
        System.out.println("JSON: " + json);
        // Last, for scripts: one line per store that measured outbox-local, then one per store that measured
        // tcp-durable at P = 4, then one per store that measured rabbitmq-durable (see RatioLines), then one per
        // store that measured latency (see LatencyLines).
        RatioLines.of(results).forEach(System.out::println);
        LatencyLines.of(results).forEach(System.out::println);
    }

    static Size size(Options options) {
        return options.quick() ? Size.QUICK : Size.FULL;
    }

    private static List<Result> run(Options options) throws Exception {
        List<Result> results = new ArrayList<>();
        for (String name : options.scenarios()) {
            // latency starts from the floor's maximum: this run's outbox-local floor rows, when it measured them.
            List<String> jvmOptions = new ArrayList<>();
            if (name.equals(LatencyScenario.NAME)) {
                LatencyScenario.floorRates(results).ifPresent(rates -> {
                    jvmOptions.add("-D" + LatencyScenario.FLOOR_RATES_PROPERTY + "=" + rates);
                    if (options.inProcess()) {
                        System.setProperty(LatencyScenario.FLOOR_RATES_PROPERTY, rates);
                    }
                });
            }
            results.addAll(options.inProcess() ? Scenarios.named(name).run(size(options), options.store().stream().toList())
                    : ScenarioJvm.run(name, options, jvmOptions));
        }
        return results;
    }
}
