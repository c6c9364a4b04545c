package dev.agate.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The lines a script reads at the end of a run that measured {@code outbox-local}, one per store with an
 * {@code agate} row at P = 8:
 *
 * <pre>ratio outbox-local store=postgres P=8 agate/floor=0.52 agate/peer=n/a agate/peer-tuned=n/a agate/namastack=n/a p99_ms=12.34 floor_p99_ms=6.78</pre>
 *
 * <p>Each ratio is Agate's msg/s over the other row's. Rows are found by their label:
 * {@code outbox-local STORE VARIANT} with P = 8, where VARIANT is {@code agate}, {@code floor}, {@code peer},
 * {@code peer-tuned} or {@code namastack}; a scenario measuring a peer only has to label its rows so (the first
 * word may be its own scenario name if it starts with {@code outbox}). A missing row gives {@code n/a}.
 *
 * <p>Then, one per store with a {@code tcp-durable} row at P = 4 (label {@code tcp-durable STORE}), that row
 * against the same store's {@code outbox-local} floor at P = 8 of the same run ({@code n/a} without one):
 *
 * <pre>ratio tcp-durable store=postgres P=4 agate/floor=0.21 p99_ms=150.00 floor_p99_ms=6.78</pre>
 *
 * <p>Last, one per store with a {@code rabbitmq-durable STORE agate} row at P = 4: its msg/s over the same store's
 * {@code rabbitmq-durable STORE broker} row at P = 4 (the broker floor, {@code n/a} without one), its msg/s and p99:
 *
 * <pre>ratio rabbitmq-durable store=postgres P=4 agate/broker=0.12 msg_s=1234 p99_ms=56.78</pre>
 */
final class RatioLines {
    static final int PRODUCERS = 8;
    /** The producers of the {@code tcp-durable} row that its line compares with the outbox-local floor at {@link #PRODUCERS}. */
    static final int TCP_PRODUCERS = 4;
    static final List<String> PEERS = List.of("peer", "peer-tuned", "namastack");

    private RatioLines() {
    }

    static List<String> of(List<Result> results) {
        Set<String> stores = new LinkedHashSet<>();
        for (Result r : results) {
            String[] words = r.scenario().split(" ");
            if (words.length >= 3 && words[0].equals(OutboxLocalScenario.NAME) && words[words.length - 1].equals("agate")
                    && r.producers() == PRODUCERS) {
                stores.add(words[1]);
            }
        }
        List<String> lines = new ArrayList<>();
        for (String store : stores) {
            Result agate = find(results, store, "agate").orElseThrow();
            Optional<Result> floor = find(results, store, "floor");
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "ratio %s store=%s P=%d agate/floor=%s",
                    OutboxLocalScenario.NAME, store, PRODUCERS, ratio(agate, floor)));
            for (String peer : PEERS) {
                line.append(" agate/").append(peer).append('=').append(ratio(agate, find(results, store, peer)));
            }
            line.append(" p99_ms=").append(millis(agate.p99Micros()));
            line.append(" floor_p99_ms=").append(floor.map(f -> millis(f.p99Micros())).orElse("n/a"));
            lines.add(line.toString());
        }
        lines.addAll(tcpDurable(results));
        lines.addAll(rabbitMqDurable(results));
        return lines;
    }

    /** The {@code ratio rabbitmq-durable} lines, one per store with a {@code rabbitmq-durable STORE agate} row at P = 4. */
    static List<String> rabbitMqDurable(List<Result> results) {
        List<String> lines = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Result r : results) {
            String[] words = r.scenario().split(" ");
            if (words.length == 3 && words[0].equals(RabbitMqScenario.NAME) && words[2].equals(RabbitMqScenario.AGATE)
                    && r.producers() == RabbitMqScenario.PRODUCERS && seen.add(words[1])) {
                String brokerLabel = RabbitMqScenario.NAME + " " + words[1] + " " + RabbitMqScenario.BROKER;
                Optional<Result> broker = results.stream()
                        .filter(b -> b.producers() == RabbitMqScenario.PRODUCERS && b.scenario().equals(brokerLabel)).findFirst();
                lines.add(String.format(Locale.ROOT, "ratio %s store=%s P=%d agate/broker=%s msg_s=%.0f p99_ms=%s",
                        RabbitMqScenario.NAME, words[1], RabbitMqScenario.PRODUCERS, ratio(r, broker), r.messagesPerSecond(),
                        millis(r.p99Micros())));
            }
        }
        return lines;
    }

    /** The {@code ratio tcp-durable} lines, one per store with a {@code tcp-durable STORE} row at P = 4. */
    static List<String> tcpDurable(List<Result> results) {
        List<String> lines = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Result r : results) {
            String[] words = r.scenario().split(" ");
            if (words.length == 2 && words[0].equals(TcpScenario.DURABLE) && r.producers() == TCP_PRODUCERS && seen.add(words[1])) {
                Optional<Result> floor = find(results, words[1], "floor");
                lines.add(String.format(Locale.ROOT, "ratio %s store=%s P=%d agate/floor=%s p99_ms=%s floor_p99_ms=%s",
                        TcpScenario.DURABLE, words[1], TCP_PRODUCERS, ratio(r, floor), millis(r.p99Micros()),
                        floor.map(f -> millis(f.p99Micros())).orElse("n/a")));
            }
        }
        return lines;
    }

    private static Optional<Result> find(List<Result> results, String store, String variant) {
        return results.stream().filter(r -> r.producers() == PRODUCERS && matches(r.scenario(), store, variant)).findFirst();
    }

    private static boolean matches(String label, String store, String variant) {
        String[] words = label.split(" ");
        return words.length >= 3 && words[0].startsWith("outbox") && words[1].equals(store) && words[words.length - 1].equals(variant);
    }

    private static String ratio(Result agate, Optional<Result> other) {
        return other.filter(o -> o.messagesPerSecond() > 0)
                .map(o -> String.format(Locale.ROOT, "%.2f", agate.messagesPerSecond() / o.messagesPerSecond()))
                .orElse("n/a");
    }

    private static String millis(double micros) {
        return String.format(Locale.ROOT, "%.2f", micros / 1000);
    }
}
