package dev.agate.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The lines a script reads at the end of a run that measured {@code latency}, one per store with a
 * {@code latency STORE floor} or {@code latency STORE agate} row:
 *
 * <pre>latency outbox-local store=postgres rate=2750 agate_p50_ms=8.12 agate_p99_ms=40.50 floor_p99_ms=12.00</pre>
 *
 * <p>{@code rate} is the msg/s both rows were offered (the open loop's R); the latencies are from each operation's
 * scheduled start to its handling's commit. A missing row gives {@code n/a}.
 */
final class LatencyLines {
    private LatencyLines() {
    }

    static List<String> of(List<Result> results) {
        Set<String> stores = new LinkedHashSet<>();
        for (Result r : results) {
            String[] words = r.scenario().split(" ");
            if (words.length == 3 && words[0].equals(LatencyScenario.NAME) && (words[2].equals("agate") || words[2].equals("floor"))) {
                stores.add(words[1]);
            }
        }
        List<String> lines = new ArrayList<>();
        for (String store : stores) {
            Optional<Result> agate = find(results, store, "agate");
            Optional<Result> floor = find(results, store, "floor");
            String rate = agate.or(() -> floor).filter(r -> r.offeredRate() > 0)
                    .map(r -> String.format(Locale.ROOT, "%.0f", r.offeredRate())).orElse("n/a");
            lines.add(String.format(Locale.ROOT, "latency outbox-local store=%s rate=%s agate_p50_ms=%s agate_p99_ms=%s floor_p99_ms=%s",
                    store, rate, agate.map(r -> millis(r.p50Micros())).orElse("n/a"), agate.map(r -> millis(r.p99Micros())).orElse("n/a"),
                    floor.map(r -> millis(r.p99Micros())).orElse("n/a")));
        }
        return lines;
    }

    private static Optional<Result> find(List<Result> results, String store, String variant) {
        return results.stream().filter(r -> r.scenario().equals(LatencyScenario.NAME + " " + store + " " + variant)).findFirst();
    }

    private static String millis(double micros) {
        return String.format(Locale.ROOT, "%.2f", micros / 1000);
    }
}
