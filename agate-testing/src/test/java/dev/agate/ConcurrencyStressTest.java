package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageEvent.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Races producers against a small parallel queue whose handler fails at random, through every error
 * policy, with cascades, then closes the host at once. Whatever the interleaving, every message sent
 * ends exactly once (handled, dead-lettered or discarded), close() drains the retries still waiting,
 * and nothing is handled twice.
 * Replay a failure with -Dagate.seed=SEED.
 */
class ConcurrencyStressTest {
    record Job(int producer, int n, int failures, boolean illegalState) {
    }

    record Done(int producer, int n) {
    }

    static final class Handlers {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final Set<String> succeeded = ConcurrentHashMap.newKeySet();
        final AtomicInteger duplicates = new AtomicInteger();

        @Handler
        Done job(Job job) {
            String key = job.producer() + "/" + job.n();
            int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (attempt <= job.failures()) {
                throw job.illegalState() ? new IllegalStateException("fail " + key) : new IllegalArgumentException("fail " + key);
            }
            if (!succeeded.add(key)) {
                duplicates.incrementAndGet();
            }
            return new Done(job.producer(), job.n());
        }

        @Handler
        void done(Done done) {
        }
    }

    @Test
    void everyMessageEndsExactlyOnceUnderRacingProducersFailuresAndClose() throws Exception {
        long seed = Long.getLong("agate.seed", System.nanoTime());
        int producers = 8;
        int perProducer = 2_500;
        Handlers handlers = new Handlers();
        Map<UUID, Kind> finals = new ConcurrentHashMap<>();
        AtomicInteger doubleFinals = new AtomicInteger();
        AgateHost host = AgateHost.builder()
                .handler(handlers,
                        ErrorPolicy.on(IllegalArgumentException.class).retry(1).requeue(1).scheduleRetry(Duration.ofMillis(5)).deadLetter(),
                        ErrorPolicy.on(IllegalStateException.class).retryWithCooldown(Duration.ofMillis(1)).scheduleRetry(Duration.ofMillis(20)).discard())
                .localQueue(LocalQueue.builder("jobs").maximumParallelism(4).capacity(64).build())
                .localQueue(LocalQueue.builder("done").maximumParallelism(2).capacity(64).build())
                .route(Job.class, "local://jobs")
                .route(Done.class, "local://done")
                .observer(event -> recordFinal(event, finals, doubleFinals))
                .shutdownTimeout(Duration.ofSeconds(30))
                .start();

        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            SplittableRandom random = new SplittableRandom(seed + p);
            int producer = p;
            Thread thread = new Thread(() -> {
                awaitQuietly(go);
                for (int n = 0; n < perProducer; n++) {
                    int failures = random.nextInt(10) < 7 ? 0 : random.nextInt(1, 6);
                    host.bus().send(new Job(producer, n, failures, random.nextBoolean()));
                }
            }, "producer-" + p);
            threads.add(thread);
            thread.start();
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        host.close();

        Map<Kind, Long> byKind = new ConcurrentHashMap<>();
        finals.values().forEach(k -> byKind.merge(k, 1L, Long::sum));
        System.out.printf("stress: seed=%d producers=%d perProducer=%d finals=%d byKind=%s handledJobs=%d duplicates=%d doubleFinals=%d%n",
                seed, producers, perProducer, finals.size(), byKind, handlers.succeeded.size(), handlers.duplicates.get(), doubleFinals.get());

        int sentJobs = producers * perProducer;
        assertThat(handlers.duplicates.get()).as("jobs handled twice (seed %d)", seed).isZero();
        assertThat(doubleFinals.get()).as("envelopes that ended twice (seed %d)", seed).isZero();
        assertThat(byKind).as("outcomes (seed %d)", seed).doesNotContainKey(Kind.ABANDONED);
        assertThat(byKind.get(Kind.DEAD_LETTERED)).as("dead letters (seed %d)", seed).isPositive();
        assertThat(byKind.get(Kind.DISCARDED)).as("discards (seed %d)", seed).isPositive();
        // Every job ended once; every job that succeeded cascaded one Done, which ended once too.
        assertThat(finals).as("envelopes with a final outcome (seed %d)", seed)
                .hasSize(sentJobs + handlers.succeeded.size());
        assertThat(host.deadLetters().list()).hasSize(byKind.get(Kind.DEAD_LETTERED).intValue());
    }

    private static void recordFinal(MessageEvent event, Map<UUID, Kind> finals, AtomicInteger doubleFinals) {
        if (event.kind().isFinal() && event.kind() != Kind.SCHEDULED) {
            if (finals.putIfAbsent(event.envelope().id(), event.kind()) != null) {
                doubleFinals.incrementAndGet();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
