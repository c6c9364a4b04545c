package dev.agate.benchmarks.namastack;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Recorder;
import org.springframework.stereotype.Component;

/** The phase (warm-up or measured) that handled orders are reported to. Thread-safe. */
@Component
public class Progress {
    private volatile Phase phase;

    void begin(Phase phase) {
        this.phase = phase;
    }

    void handled(long orderId, long latencyNanos) {
        Phase current = phase;
        if (current != null) {
            current.handled(orderId, latencyNanos);
        }
    }

    /**
     * Orders {@code firstId .. firstId + operations - 1}. A handling of an order outside that range (a late
     * redelivery of an earlier phase's order) is not counted here; the final check still sees its row.
     */
    static final class Phase {
        private final long firstId;
        private final long operations;
        private final CountDownLatch remaining;
        private final Recorder latencies;

        Phase(long firstId, long operations, Recorder latencies) {
            if (operations < 1 || operations > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a phase has 1 to " + Integer.MAX_VALUE + " operations, not " + operations);
            }
            this.firstId = firstId;
            this.operations = operations;
            this.remaining = new CountDownLatch((int) operations);
            this.latencies = latencies;
        }

        long firstId() {
            return firstId;
        }

        long operations() {
            return operations;
        }

        void handled(long orderId, long latencyNanos) {
            if (orderId >= firstId && orderId < firstId + operations) {
                latencies.recordValue(Math.max(0, latencyNanos));
                remaining.countDown();
            }
        }

        void await(Duration timeout) throws InterruptedException, TimeoutException {
            if (!remaining.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException(remaining.getCount() + " of " + operations
                        + " orders were still not handled after " + timeout);
            }
        }
    }
}
