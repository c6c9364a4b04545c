package dev.agate.samples.localpingpong;

import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.samples.localpingpong.Messages.Ping;
import dev.agate.samples.localpingpong.Messages.Pong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers every ping with a pong. Every 97th ping fails on its first attempt, as a flaky downstream
 * would, so the error policy's retry is visible in the report.
 */
final class Ponger {
    final Set<Long> handled = ConcurrentHashMap.newKeySet();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    @Handler
    Pong ping(Ping ping, Envelope envelope) {
        if (ping.id() % 97 == 0 && envelope.attempts() == 1) {
            failures.incrementAndGet();
            throw new IllegalStateException("ping " + ping.id() + ": downstream timed out (simulated)");
        }
        if (!handled.add(ping.id())) {
            duplicates.incrementAndGet();
        }
        return new Pong(ping.id());
    }
}
