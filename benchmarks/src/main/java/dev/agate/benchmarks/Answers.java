package dev.agate.benchmarks;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The answers one phase expects: one for each id from {@code firstId}, {@code phase.operations()} of them.
 * The first answer to an id counts as handled with its latency; a second one, or an id outside the range
 * (a late answer to an earlier phase), {@link Phase#fail fails} the phase. Thread-safe.
 */
final class Answers {
    private final Phase phase;
    private final long firstId;
    private final AtomicIntegerArray seen;

    Answers(Phase phase, long firstId) {
        this.phase = phase;
        this.firstId = firstId;
        this.seen = new AtomicIntegerArray((int) phase.operations());
    }

    /** Counts the answer to {@code id}, which took {@code latencyNanos} from send to here. */
    void answered(long id, long latencyNanos) {
        long index = id - firstId;
        if (index < 0 || index >= seen.length()) {
            phase.fail(new IllegalStateException("an answer to id " + id + ", which this phase did not send (ids "
                    + firstId + " to " + (firstId + seen.length() - 1) + "): a late duplicate?"));
            return;
        }
        int times = seen.incrementAndGet((int) index);
        if (times == 1) {
            phase.handled(latencyNanos);
        } else {
            phase.fail(new IllegalStateException("id " + id + " was answered " + times + " times"));
        }
    }

    /** Throws unless every id was answered exactly once. */
    void verify() {
        long missing = 0;
        long duplicated = 0;
        for (int i = 0; i < seen.length(); i++) {
            int times = seen.get(i);
            if (times == 0) {
                missing++;
            } else if (times > 1) {
                duplicated++;
            }
        }
        if (missing > 0 || duplicated > 0) {
            throw new IllegalStateException("of " + seen.length() + " messages, " + missing + " were not answered and "
                    + duplicated + " were answered more than once");
        }
    }
}
