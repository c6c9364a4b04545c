package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.spi.MessageEvent.Kind;
import dev.agate.testing.TrackedSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ordering, parallelism limits, back-pressure and inline mode of local queues. */
class LocalQueuesTest {
    record Item(int n) {
    }

    /** Handles items, optionally holding each one until the gate opens. */
    static final class Worker {
        final List<Integer> order = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final AtomicLong handled = new AtomicLong();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile int failOn = -1;

        @Handler
        void handle(Item item) throws InterruptedException {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            try {
                threads.add(Thread.currentThread().getName());
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
                if (item.n() == failOn && order.stream().noneMatch(n -> n == -item.n())) {
                    order.add(-item.n());
                    throw new IllegalStateException("first attempt of " + item.n() + " fails");
                }
                order.add(item.n());
                handled.incrementAndGet();
            } finally {
                concurrent.decrementAndGet();
            }
        }
    }

    private final Worker worker = new Worker();
    private AgateHost host;

    @AfterEach
    void close() {
        worker.gate.countDown();
        if (host != null) {
            host.close();
        }
    }

    private AgateHost start(LocalQueue queue, Duration sendTimeout) {
        host = AgateHost.builder()
                .handler(worker)
                .localQueue(queue)
                .route(Item.class, queue.uri().toString())
                .sendTimeout(sendTimeout)
                .start();
        return host;
    }

    @Test
    void aSequentialQueueHandlesInSendOrderEvenAcrossImmediateRetries() {
        start(LocalQueue.builder("ordered").sequential().build(), Duration.ofSeconds(10));
        worker.failOn = 500;

        TrackedSession session = TrackedSession.of(host).allowExceptions().execute(bus -> {
            for (int i = 0; i < 2_000; i++) {
                bus.send(new Item(i));
            }
        });

        List<Integer> successes = worker.order.stream().filter(n -> n >= 0).toList();
        assertThat(successes).hasSize(2_000).isSorted();
        assertThat(session.exceptions()).hasSize(1);
        assertThat(worker.threads).allMatch(name -> name.equals("agate-local-ordered-1"));
    }

    @Test
    void neverRunsMoreHandlersAtOnceThanTheMaximumParallelism() {
        start(LocalQueue.builder("wide").maximumParallelism(3).build(), Duration.ofSeconds(10));
        worker.gate = new CountDownLatch(1);

        for (int i = 0; i < 30; i++) {
            host.bus().send(new Item(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.concurrent.get() == 3);
        worker.gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.handled.get() == 30);

        assertThat(worker.maxConcurrent.get()).isEqualTo(3);
        assertThat(worker.threads.stream().distinct()).hasSize(3);
    }

    @Test
    void aProducerFasterThanItsConsumerIsHeldToTheQueueBound() throws Exception {
        int capacity = 8;
        start(LocalQueue.builder("bounded").maximumParallelism(1).capacity(capacity).build(), Duration.ofSeconds(30));
        worker.gate = new CountDownLatch(1);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int total = 500;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger maxOutstanding = new AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                host.bus().send(new Item(i));
                int outstanding = accepted.incrementAndGet() - (int) worker.handled.get();
                maxOutstanding.accumulateAndGet(outstanding, Math::max);
            }
        }, "fast-producer");
        producer.start();

        // Blocked: the buffer holds `capacity`, the single worker holds one more.
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.getState() == Thread.State.TIMED_WAITING
                && accepted.get() == capacity + 1);
        worker.gate.countDown();
        // Let the consumer run in random bursts against the unthrottled producer.
        for (int burst = 0; burst < 5; burst++) {
            long target = Math.min(total, worker.handled.get() + random.nextInt(50));
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.handled.get() >= target);
        }
        producer.join(TimeUnit.SECONDS.toMillis(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.handled.get() == total);

        System.out.printf("back-pressure: seed=%d total=%d capacity=%d maxOutstanding=%d%n", seed, total, capacity, maxOutstanding.get());
        assertThat(maxOutstanding.get()).isLessThanOrEqualTo(capacity + 1);
        assertThat(worker.order).hasSize(total);
    }

    @Test
    void aSendThatFindsTheQueueFullForTheWholeTimeoutFailsAndEnqueuesNothing() {
        start(LocalQueue.builder("tiny").maximumParallelism(1).capacity(2).build(), Duration.ofMillis(200));
        worker.gate = new CountDownLatch(1);
        host.bus().send(new Item(0));
        await().until(() -> worker.concurrent.get() == 1);
        host.bus().send(new Item(1));
        host.bus().send(new Item(2));

        long started = System.nanoTime();
        assertThatThrownBy(() -> host.bus().send(new Item(3)))
                .isInstanceOf(QueueFullException.class)
                .hasMessageContaining("local://tiny stayed full (capacity 2)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));

        worker.gate.countDown();
        await().until(() -> worker.handled.get() == 3);
        assertThat(worker.order).containsExactly(0, 1, 2);
    }

    @Test
    void anInlineQueueHandlesOnTheCallersThreadBeforeSendReturns() {
        start(LocalQueue.builder("now").mode(EndpointMode.INLINE).build(), Duration.ofSeconds(1));

        host.bus().send(new Item(1));

        assertThat(worker.order).containsExactly(1);
        assertThat(worker.threads).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void anInlineQueueAppliesErrorPoliciesToo() {
        start(LocalQueue.builder("now").mode(EndpointMode.INLINE).build(), Duration.ofSeconds(1));
        worker.failOn = 7;

        TrackedSession session = TrackedSession.of(host).allowExceptions().send(new Item(7));

        assertThat(worker.order).containsExactly(-7, 7);
        assertThat(session.events(Kind.RETRYING)).hasSize(1);
    }

    @Test
    void closeDrainsEveryAcceptedMessage() throws Exception {
        start(LocalQueue.builder("drain").maximumParallelism(2).capacity(1_000).build(), Duration.ofSeconds(10));
        worker.gate = new CountDownLatch(1);
        int total = 600;
        for (int i = 0; i < total; i++) {
            host.bus().send(new Item(i));
        }
        Thread closer = new Thread(host::close, "closer");
        closer.start();
        await().until(() -> !host.isRunning());
        assertThatThrownBy(() -> host.bus().send(new Item(-1)))
                .isInstanceOf(AgateException.class).hasMessageContaining("it takes no new messages");

        worker.gate.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(closer.isAlive()).isFalse();
        assertThat(worker.handled.get()).isEqualTo(total);
        assertThat(new ArrayList<>(worker.order)).doesNotHaveDuplicates();
    }

    @Test
    void closeGivesUpAfterTheShutdownTimeoutAndReportsWhatWasLeft() {
        List<Kind> abandoned = new CopyOnWriteArrayList<>();
        host = AgateHost.builder()
                .handler(worker)
                .localQueue(LocalQueue.builder("stuck").maximumParallelism(1).build())
                .route(Item.class, "local://stuck")
                .shutdownTimeout(Duration.ofMillis(300))
                .observer(e -> {
                    if (e.kind() == Kind.ABANDONED) {
                        abandoned.add(e.kind());
                    }
                })
                .start();
        worker.gate = new CountDownLatch(1);
        for (int i = 0; i < 5; i++) {
            host.bus().send(new Item(i));
        }
        await().until(() -> worker.concurrent.get() == 1);

        long started = System.nanoTime();
        host.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        // The four still buffered, and the one whose handler was interrupted.
        assertThat(abandoned).hasSize(5);
    }
}
