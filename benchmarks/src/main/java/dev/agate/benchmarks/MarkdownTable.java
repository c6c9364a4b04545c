package dev.agate.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders results as a Markdown table; latencies in microseconds. */
final class MarkdownTable {
    static final String HEADER =
            "| scenario | P | messages | msg/s | p50 µs | p99 µs | max µs | CPU s/10k | alloc B/msg | peak heap MB | stmts/msg | commits/msg"
                    + " | round trips/msg | WAL B/msg |";
    private static final String ALIGNMENT = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";

    private MarkdownTable() {
    }

    static String render(List<Result> results) {
        return results.stream().map(MarkdownTable::row)
                .collect(Collectors.joining("\n", HEADER + "\n" + ALIGNMENT + "\n", "\n"));
    }

    static String row(Result r) {
        return String.format(Locale.ROOT, "| %s | %d | %,d | %,.0f | %.2f | %.2f | %.2f | %s | %s | %.1f | %s | %s | %s | %s |",
                r.scenario(), r.producers(), r.messages(), r.messagesPerSecond(), r.p50Micros(), r.p99Micros(),
                r.maxMicros(), orNa("%.3f", r.cpuSecondsPer10k()), orNa("%,.0f", r.allocatedBytesPerMessage()),
                r.peakHeapMb(), orNa("%.2f", r.statementsPerMessage()), orNa("%.2f", r.commitsPerMessage()),
                orNa("%.2f", r.roundTripsPerMessage()), orNa("%,.0f", r.walBytesPerMessage()));
    }

    /** A figure, or "n/a" for the -1 of a figure the JVM could not give. */
    private static String orNa(String format, double value) {
        return value < 0 ? "n/a" : String.format(Locale.ROOT, format, value);
    }
}
