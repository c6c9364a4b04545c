package dev.agate;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates RFC 9562 version 7 UUIDs: 48 bits of Unix milliseconds, then a 12-bit counter and 62 random
 * bits. Ids from one JVM are strictly increasing, even within one millisecond and when the wall clock
 * steps back, so database indexes on them stay append-mostly. Thread-safe and lock-free.
 *
 * <p>Uniqueness within the JVM comes from the counter; the random bits only separate processes that
 * create ids in the same millisecond, so a fast per-thread generator serves (a shared
 * {@code SecureRandom} would put a lock on every send).
 */
public final class Uuid7 {
    /** Millisecond timestamp (high 48 bits) and counter (low 12 bits) of the last id. */
    private static final AtomicLong LAST = new AtomicLong();

    private Uuid7() {
    }

    /**
     * When a version 7 UUID was made, to the millisecond (the time its first 48 bits carry); null for a UUID of
     * another version, which carries no time.
     */
    public static Instant instantOf(UUID id) {
        return id.version() == 7 ? Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16) : null;
    }

    /** A new UUIDv7. */
    public static UUID next() {
        long now = System.currentTimeMillis() << 12;
        long stamp = LAST.updateAndGet(last -> Math.max(now, last + 1));
        long millis = stamp >>> 12;
        long counter = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | counter;
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
