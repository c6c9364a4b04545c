package dev.agate.samples.localpingpong;

import dev.agate.Handler;
import dev.agate.samples.localpingpong.Messages.Pong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** Records the pongs that come back. */
final class Pinger {
    final Set<Long> answered = ConcurrentHashMap.newKeySet();
    final AtomicLong duplicates = new AtomicLong();
    /** Counts down once per distinct pong. */
    final CountDownLatch allAnswered;

    Pinger(long pings) {
        this.allAnswered = new CountDownLatch(Math.toIntExact(pings));
    }

    @Handler
    void pong(Pong pong) {
        if (answered.add(pong.id())) {
            allAnswered.countDown();
        } else {
            duplicates.incrementAndGet();
        }
    }
}
