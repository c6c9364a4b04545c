package dev.agate.benchmarks;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Where one phase's latency went, message by message, in three stages: <b>producer</b> (from the message's start
 * until its producer's transaction returned), <b>wait</b> (from there until its handling began: a worker ran its
 * handler, or a relay claimed its row; 0 when the handling began before the producer returned) and <b>handling</b>
 * (from there until the handling transaction committed). Targets that can tell report both ends; the others report
 * nothing, and {@link #summary} is null. A message whose handling ended before its producer's return was noted is
 * not timed (counted apart). Thread-safe.
 */
final class Stages {
    private static final int SIGNIFICANT_DIGITS = 3;
    private final ConcurrentHashMap<Long, Long> returnedAt = new ConcurrentHashMap<>();
    private final Recorder producer = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder waiting = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder handling = new Recorder(SIGNIFICANT_DIGITS);
    private final LongAdder untimed = new LongAdder();

    /** The producer of message {@code id} returned from its transaction now. */
    void returned(long id) {
        returnedAt.put(id, System.nanoTime());
    }

    /** Message {@code id}, started at {@code startNanos}, began its handling at {@code beganNanos} and ended it now. */
    void handled(long id, long startNanos, long beganNanos) {
        long endNanos = System.nanoTime();
        Long returned = returnedAt.remove(id);
        if (returned == null) {
            untimed.increment();
            return;
        }
        producer.recordValue(Math.max(0, returned - startNanos));
        waiting.recordValue(Math.max(0, beganNanos - returned));
        handling.recordValue(Math.max(0, endNanos - beganNanos));
    }

    /** One line: each stage's p50, p99 and max in milliseconds; null when no message was timed. */
    String summary() {
        Histogram p = producer.getIntervalHistogram();
        if (p.getTotalCount() == 0) {
            return null;
        }
        Histogram w = waiting.getIntervalHistogram();
        Histogram h = handling.getIntervalHistogram();
        return String.format(Locale.ROOT, "stages (p50/p99/max ms): producer %s, wait %s, handling %s (%,d messages timed, %,d not)",
                stage(p), stage(w), stage(h), p.getTotalCount(), untimed.sum());
    }

    private static String stage(Histogram h) {
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getMaxValue() / 1e6);
    }
}
