package dev.agate.regression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.MessageType;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageEvent.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Regression tests from the review of the core (each once failed, showing a defect that is now fixed).
 * They race real threads against close(), full queues and interrupts.
 */
class CoreReviewRegression2Test {
    static final List<MessageEvent> events = new CopyOnWriteArrayList<>();

    static String trace(Class<?> type) {
        return events.stream().filter(e -> type.isInstance(e.envelope().message()))
                .map(e -> e.kind().toString()).collect(Collectors.joining(" "));
    }

    // ---- 11. close() joins workers one by one, 5 s each
    record Stuck(int n) {}

    static final class StuckHandler {
        final CountDownLatch started = new CountDownLatch(4);

        @Handler
        void stuck(Stuck s) {
            started.countDown();
            CoreReviewRegressionTest.sleepUninterruptibly(30_000);
        }
    }

    @Test
    void closeWithStuckHandlersWaitsOneSharedDeadlineForAllWorkers() throws Exception {
        StuckHandler handler = new StuckHandler();
        AgateHost host = AgateHost.builder()
                .handlers(handler)
                .localQueue(LocalQueue.builder("a").maximumParallelism(2).build())
                .localQueue(LocalQueue.builder("b").maximumParallelism(2).build())
                .shutdownTimeout(Duration.ofMillis(200))
                .start();
        for (int i = 0; i < 2; i++) {
            host.bus().sendTo("local://a", new Stuck(i));
            host.bus().sendTo("local://b", new Stuck(i));
        }
        assertThat(handler.started.await(5, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        host.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[11] close() with shutdownTimeout 200 ms took " + ms + " ms (4 stuck workers)");
        assertThat(ms).isLessThan(8_000);
    }

    // ---- 12. close() called from a handler waits the whole shutdown timeout
    record Stop(int n) {}

    static final class StopHandler {
        AgateHost host;
        final java.util.concurrent.CompletableFuture<Throwable> refused = new java.util.concurrent.CompletableFuture<>();

        @Handler
        void stop(Stop s) {
            try {
                host.close();
                refused.complete(null);
            } catch (IllegalStateException e) {
                refused.complete(e);
            }
        }
    }

    @Test
    void closeFromAHandlerIsRefusedInsteadOfWaitingForItself() throws Exception {
        StopHandler handler = new StopHandler();
        AgateHost host = AgateHost.builder().handlers(handler).shutdownTimeout(Duration.ofSeconds(3)).start();
        handler.host = host;
        host.bus().send(new Stop(1));
        Throwable thrown = handler.refused.get(5, TimeUnit.SECONDS);
        host.close();
        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("close the host from another thread");
    }

    // ---- 13. an expired envelope is still handled by a cooldown retry
    record Quote(int n) {}

    static final class QuoteHandler {
        final AtomicInteger attempts = new AtomicInteger();

        @Handler
        void quote(Quote q) {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("transient");
            }
        }
    }

    @Test
    void aCooldownRetryDiscardsAnEnvelopeThatExpiredMeanwhile() throws Exception {
        events.clear();
        QuoteHandler handler = new QuoteHandler();
        AgateHost host = AgateHost.builder()
                .handler(handler, ErrorPolicy.onAny().retryWithCooldown(Duration.ofMillis(500)).deadLetter())
                .observer(events::add)
                .start();
        host.bus().send(new Quote(1), DeliveryOptions.builder().deliverWithin(Duration.ofMillis(100)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                .anyMatch(e -> e.kind() == Kind.DISCARDED && e.envelope().message() instanceof Quote));
        System.out.println("[13] deliverWithin 100 ms, cooldown 500 ms: " + trace(Quote.class));
        host.close();
        assertThat(events.stream().filter(e -> e.kind() == Kind.SUCCEEDED && e.envelope().message() instanceof Quote)).isEmpty();
    }

    // ---- 14. a send through a context kept after the handler returned vanishes
    record Order(int n) {}
    record Shipped(int n) {}

    static final class AsyncHandler {
        final AtomicInteger shipped = new AtomicInteger();
        volatile Throwable error;

        @Handler
        void order(Order o, MessageContext context) {
            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(100);
                    context.send(new Shipped(o.n()));
                } catch (Throwable t) {
                    error = t;
                }
            });
        }

        @Handler
        void shipped(Shipped s) {
            shipped.incrementAndGet();
        }
    }

    @Test
    void aSendThroughAContextAfterTheHandlerReturnedFailsLoudly() throws Exception {
        events.clear();
        AsyncHandler handler = new AsyncHandler();
        AgateHost host = AgateHost.builder().handlers(handler).observer(events::add).start();
        host.bus().send(new Order(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> handler.error != null || handler.shipped.get() == 1);
        System.out.println("[14] late context.send: error=" + handler.error + ", Shipped handled=" + handler.shipped.get()
                + ", Shipped events=" + trace(Shipped.class).isEmpty());
        host.close();
        assertThat(handler.error != null || handler.shipped.get() == 1).isTrue();
    }

    // ---- 15. an observer that throws an Error after commit turns a success into retries: cascades sent twice
    record Pay(int n) {}
    record Paid(int n) {}

    static final class PayHandler {
        final AtomicInteger paid = new AtomicInteger();

        @Handler
        Paid pay(Pay p) {
            return new Paid(p.n());
        }

        @Handler
        void paid(Paid p) {
            paid.incrementAndGet();
        }
    }

    @Test
    void anObserverErrorOnSucceededDoesNotDuplicateCascades() throws Exception {
        PayHandler handler = new PayHandler();
        AtomicInteger once = new AtomicInteger();
        AgateHost host = AgateHost.builder().handlers(handler)
                .observer(e -> {
                    if (e.kind() == Kind.SUCCEEDED && e.envelope().message() instanceof Pay && once.getAndIncrement() == 0) {
                        throw new AssertionError("assertion inside a test observer");
                    }
                })
                .start();
        host.bus().send(new Pay(1));
        // One handling, and it stays one: a failing observer must not cause a retry.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> handler.paid.get() == 1);
        System.out.println("[15] Paid handled " + handler.paid.get() + " times for one Pay");
        host.close();
        assertThat(handler.paid.get()).isEqualTo(1);
    }

    // ---- 16. a default-route queue name taken from @MessageType is not checked by build()
    @MessageType("orders/placed")
    record Placed(int n) {}

    static final class PlacedHandler {
        @Handler
        void placed(Placed p) {
        }
    }

    @Test
    void anInvalidDefaultQueueNameFailsTheBuild() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgateHost.builder().handlers(new PlacedHandler()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local queue name 'orders/placed'")
                .hasMessageContaining("default route of " + Placed.class.getName());
    }
}
