package dev.agate.regression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Regression tests from the review of the core (each once failed, showing a defect that is now fixed).
 * They race real threads against close(), full queues and interrupts.
 */
class CoreReviewRegression3Test {
    record Job(int n) {}

    static final class Handlers {
        final AtomicInteger handled = new AtomicInteger();

        @Handler
        void job(Job j) {
            handled.incrementAndGet();
            if (j.n() == 0) {
                // e.g. library code that caught an InterruptedException and "restored the flag"
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aHandlerThatLeavesTheInterruptFlagSetDoesNotKillItsWorker() throws Exception {
        Handlers handlers = new Handlers();
        AgateHost host = AgateHost.builder().handlers(handlers)
                .localQueue(LocalQueue.builder("Job").sequential().build()).start();
        for (int i = 0; i < 5; i++) {
            host.bus().send(new Job(i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> handlers.handled.get() == 5);
        long workers = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("agate-local-Job")).count();
        System.out.println("[17] handled " + handlers.handled.get() + " of 5; live workers of local://Job: " + workers
                + "; host running=" + host.isRunning());
        host.close();
        assertThat(handlers.handled.get()).isEqualTo(5);
    }
}
