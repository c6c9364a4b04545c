package dev.agate.internal;

import java.time.Duration;

/**
 * A delay that doubles with each failure in a row, from {@code first} (after the first failure) up to
 * {@code max}. The one backoff of the runtime: starting the store, a store that fails, a sender whose
 * destination fails or is full, and the pings of a latched sender all wait by it.
 */
public record Backoff(Duration first, Duration max) {
    public Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < first <= max: " + first + ", " + max);
        }
    }

    /** The delay after {@code failuresInARow} failures: {@code first} for one (or none), doubled per further one, at most {@code max}. */
    public Duration after(int failuresInARow) {
        return Duration.ofNanos(nanosAfter(failuresInARow));
    }

    public long nanosAfter(int failuresInARow) {
        long firstNanos = first.toNanos();
        long maxNanos = max.toNanos();
        int doublings = Math.max(0, failuresInARow - 1);
        if (doublings >= 62 || firstNanos > maxNanos >> doublings) {
            return maxNanos;
        }
        return Math.min(maxNanos, firstNanos << doublings);
    }
}
