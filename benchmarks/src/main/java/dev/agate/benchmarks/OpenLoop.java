package dev.agate.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open-loop producers: operation {@code i} (from 0) of a phase is meant to start at {@code t0 + i / rate},
 * whatever became of the earlier ones. A dispatcher thread waits for each operation's time and hands it to a
 * free producer thread, starting a new one when every thread is busy (up to a maximum), so that operations
 * keep arriving at the rate even while earlier ones wait for the database, as an application's requests would.
 * Each operation is handed the time it was scheduled for ({@link ScheduledTarget}), and its latency runs from
 * there. How late each one really started (its start lag) is recorded: it stays near zero unless the maximum of
 * threads was reached (then the dispatcher waits for a free one) or the machine did not run them in time.
 */
final class OpenLoop {
    /** An operation that started later than this after its scheduled time counts as late. */
    static final long LATE_NANOS = 10_000_000;
    /** The schedule counts as kept when at most this share of the operations started late. */
    static final double LATE_SHARE_ALLOWED = 0.01;
    /** Producer threads started before the schedule begins, so the first operations do not wait for one. */
    private static final int PRESTARTED = 8;

    private final ThreadPoolExecutor producers;
    private final Thread dispatcher;
    private final CountDownLatch done;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Recorder lags = new Recorder(3);
    private final LongAdder late = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final long operations;
    private final double rate;
    private final ScheduledTarget target;
    private volatile long t0;

    /**
     * How the phase kept its schedule.
     *
     * @param startLagNanos how late each operation started after its scheduled time
     * @param late          operations that started more than {@link #LATE_NANOS} late
     * @param operations    operations in the phase
     * @param peakInFlight  the most operations in progress at once in this phase, each on a producer thread of its own
     */
    record Schedule(Histogram startLagNanos, long late, long operations, int peakInFlight) {
        boolean kept() {
            return late <= operations * LATE_SHARE_ALLOWED;
        }
    }

    /**
     * The producer threads of one row's phases, kept from one phase to the next so that the measured phase starts
     * with the threads the warm-up needed: {@code maxThreads} at most, a few started at once, the others when an
     * operation finds every thread busy; a thread idle for a minute ends.
     */
    static final class Threads implements AutoCloseable {
        private final ThreadPoolExecutor executor;
        private final int max;

        Threads(int maxThreads) {
            if (maxThreads < 1) {
                throw new IllegalArgumentException("an open loop needs a producer thread, not " + maxThreads);
            }
            this.max = maxThreads;
            AtomicInteger names = new AtomicInteger();
            this.executor = new ThreadPoolExecutor(Math.min(PRESTARTED, maxThreads), maxThreads, 60, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), task -> {
                        Thread thread = new Thread(task, "bench-scheduled-" + names.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    }, (task, pool) -> {
                        // Every thread busy and no more allowed: the dispatcher waits for one (the schedule slips, and says so).
                        try {
                            pool.getQueue().put(task);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new RejectedExecutionException("interrupted while waiting for a producer thread", e);
                        }
                    });
            this.executor.prestartAllCoreThreads();
        }

        int max() {
            return max;
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    private OpenLoop(Threads threads, long operations, double rate, ScheduledTarget target) {
        this.producers = threads.executor;
        this.operations = operations;
        this.rate = rate;
        this.target = target;
        this.done = new CountDownLatch((int) Math.min(Integer.MAX_VALUE, operations));
        this.dispatcher = new Thread(this::dispatch, "bench-scheduler");
        this.dispatcher.setDaemon(true);
    }

    /** An open loop of {@code operations} at {@code rate} per second on {@code threads}, ready for {@link #release()}. */
    static OpenLoop prepare(Threads threads, long operations, double rate, ScheduledTarget target) {
        if (!(rate > 0) || operations < 1 || operations > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an open loop needs a rate above 0 and 1 to " + Integer.MAX_VALUE
                    + " operations, not " + rate + " and " + operations);
        }
        return new OpenLoop(threads, operations, rate, target);
    }

    /** The scheduled start of operation {@code i}, in nanoseconds after {@code t0}. */
    static long offsetNanos(long i, double rate) {
        return (long) (i * (1e9 / rate));
    }

    private void dispatch() {
        long dispatched = 0;
        try {
            for (; dispatched < operations && failure.get() == null; dispatched++) {
                long scheduled = t0 + offsetNanos(dispatched, rate);
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                producers.execute(() -> run(scheduled));
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            for (long i = dispatched; i < operations; i++) {
                done.countDown(); // never dispatched: nothing to wait for
            }
        }
    }

    private void run(long scheduled) {
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            long lag = System.nanoTime() - scheduled;
            lags.recordValue(Math.max(0, lag));
            if (lag > LATE_NANOS) {
                late.increment();
            }
            target.operate(scheduled);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            inFlight.decrementAndGet();
            done.countDown();
        }
    }

    /** Starts the schedule now; returns its {@code t0}. */
    long release() {
        t0 = System.nanoTime();
        dispatcher.start();
        return t0;
    }

    /** Waits until every operation has been started and has returned; rethrows the first failure of any of them. */
    Schedule join() throws Exception {
        dispatcher.join();
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("open loop: producers still busy 5 minutes after the last operation was scheduled");
        }
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new Schedule(lags.getIntervalHistogram(), late.sum(), operations, peakInFlight.get());
    }
}
