package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class Uuid7Test {

    @Test
    void carriesVersionSevenAndTheIetfVariant() {
        UUID id = Uuid7.next();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
    }

    @Test
    void embedsTheCurrentUnixMillisecond() {
        long before = System.currentTimeMillis();
        UUID id = Uuid7.next();
        long after = System.currentTimeMillis();
        long millis = id.getMostSignificantBits() >>> 16;
        // The counter may push the stamp a little ahead of the clock under heavy use, never behind it.
        assertThat(millis).isBetween(before, after + 100);
    }

    @Test
    void isStrictlyIncreasingWithinOneThreadEvenInTheSameMillisecond() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(Uuid7.next());
        }
        for (int i = 1; i < ids.size(); i++) {
            // Compare as unsigned time+counter: the high 64 bits hold both.
            assertThat(Long.compareUnsigned(ids.get(i).getMostSignificantBits(), ids.get(i - 1).getMostSignificantBits()))
                    .as("id %d after id %d", i, i - 1).isPositive();
        }
    }

    @Test
    void isUniqueAcrossRacingThreads() throws InterruptedException {
        int threads = 8;
        int perThread = 50_000;
        Set<UUID> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    seen.add(Uuid7.next());
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        System.out.printf("Uuid7 race: %d threads x %d ids, %d distinct%n", threads, perThread, seen.size());
        assertThat(seen).hasSize(threads * perThread);
    }
}
