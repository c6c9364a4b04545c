package dev.agate.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Recorder;

/**
 * One warm-up or measured phase: how many operations are still to be handled, and the recorder their
 * latencies go to. Handlers on any thread report to it; thread-safe and wait-free apart from the latch.
 * A phase can also be {@link #fail failed} (a duplicate answer, a receiver process that died), which
 * ends {@link #await} at once.
 */
final class Phase {
    /** How often {@link #await} looks for a failure; the latch itself ends the wait as soon as it opens. */
    private static final long FAILURE_CHECK_MILLIS = 100;
    private final long operations;
    private final CountDownLatch remaining;
    private final Recorder latencies;
    private final Stages stages;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Phase(long operations, Recorder latencies) {
        this(operations, latencies, new Stages());
    }

    /** A phase whose targets may also say where each message's latency went ({@link Stages}). */
    Phase(long operations, Recorder latencies, Stages stages) {
        if (operations < 1 || operations > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a phase has 1 to " + Integer.MAX_VALUE + " operations, not " + operations);
        }
        this.operations = operations;
        this.remaining = new CountDownLatch((int) operations);
        this.latencies = latencies;
        this.stages = stages;
    }

    /** Where each message's latency went, for the targets that can tell. */
    Stages stages() {
        return stages;
    }

    long operations() {
        return operations;
    }

    /** Records one latency, in nanoseconds. */
    void record(long latencyNanos) {
        latencies.recordValue(Math.max(0, latencyNanos));
    }

    /** Counts one operation as handled. */
    void handled() {
        remaining.countDown();
    }

    /** Records one latency, in nanoseconds, and counts its operation as handled. */
    void handled(long latencyNanos) {
        record(latencyNanos);
        handled();
    }

    /** Fails this phase: {@link #await} throws, with the first such {@code cause}. */
    void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    /**
     * Waits until every operation has been handled.
     *
     * @throws IllegalStateException when the phase {@link #fail failed}, before or while waiting
     */
    void await(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!remaining.await(FAILURE_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            checkFailure();
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(remaining.getCount() + " of " + operations
                        + " operations were still not handled after " + timeout);
            }
        }
        checkFailure();
    }

    private void checkFailure() {
        Throwable cause = failure.get();
        if (cause != null) {
            throw new IllegalStateException("the phase failed: " + cause.getMessage(), cause);
        }
    }
}
