package dev.agate.benchmarks;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Where one phase's latency went, message by message, in three stages: <b>producer</b> (from the message's start
 * until its producer's transaction returned), <b>wait</b> (from there until its handling began: a worker ran its
 * handler, or a relay claimed its row; 0 when the handling began before the producer returned) and <b>handling</b>
 * (from there until the handling transaction committed). Targets that can tell report both ends, in either order
 * (a producer thread may return after its message was handled); the others report nothing, and {@link #summary} is
 * null. Thread-safe.
 */
final class Stages {
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final long NOT_YET = Long.MIN_VALUE;
    private final LongSupplier clock;
    /** A message one of whose ends has been reported: the other end completes it. */
    private final ConcurrentHashMap<Long, Ends> halfDone = new ConcurrentHashMap<>();
    private final Recorder producer = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder waiting = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder handling = new Recorder(SIGNIFICANT_DIGITS);

    private record Ends(long returned, long start, long began, long end) {
    }

    Stages() {
        this(System::nanoTime);
    }

    /** With {@code clock} telling the producers' return times, in nanoseconds. */
    Stages(LongSupplier clock) {
        this.clock = clock;
    }

    /** The producer of message {@code id} returned from its transaction now. */
    void returned(long id) {
        long now = clock.getAsLong();
        halfDone.compute(id, (key, handled) -> {
            if (handled == null || handled.end() == NOT_YET) { // a second return of the same id (not expected) replaces the first
                return new Ends(now, NOT_YET, NOT_YET, NOT_YET);
            }
            record(now, handled.start(), handled.began(), handled.end());
            return null;
        });
    }

    /** Message {@code id}, started at {@code startNanos}, began its handling at {@code beganNanos} and ended it at {@code endNanos}. */
    void handled(long id, long startNanos, long beganNanos, long endNanos) {
        halfDone.compute(id, (key, returned) -> {
            if (returned == null || returned.returned() == NOT_YET) { // handled twice before its return: the later handling counts
                return new Ends(NOT_YET, startNanos, beganNanos, endNanos);
            }
            record(returned.returned(), startNanos, beganNanos, endNanos);
            return null;
        });
    }

    private void record(long returned, long start, long began, long end) {
        producer.recordValue(Math.max(0, returned - start));
        waiting.recordValue(Math.max(0, began - returned));
        handling.recordValue(Math.max(0, end - began));
    }

    /**
     * One line: each stage's p50, p99 and max in milliseconds, and how many messages had only one end reported when
     * it was asked (a producer that had not yet returned, or a message not yet handled); null when none was timed.
     */
    String summary() {
        Histogram p = producer.getIntervalHistogram();
        if (p.getTotalCount() == 0) {
            return null;
        }
        Histogram w = waiting.getIntervalHistogram();
        Histogram h = handling.getIntervalHistogram();
        return String.format(Locale.ROOT, "stages (p50/p99/max ms): producer %s, wait %s, handling %s (%,d messages timed, %,d not)",
                stage(p), stage(w), stage(h), p.getTotalCount(), halfDone.size());
    }

    private static String stage(Histogram h) {
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getMaxValue() / 1e6);
    }
}
