package dev.agate.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Producer threads that share a number of operations on a {@link Target}. The threads are created and
 * started by {@link #prepare}, then wait for {@link #release()}, so that creating them is not timed.
 */
final class Producers {
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Producers() {
    }

    /** {@code count} threads, ready to perform {@code operations} in all (as evenly split as can be). */
    static Producers prepare(int count, long operations, Target target) {
        Producers producers = new Producers();
        for (int i = 0; i < count; i++) {
            long share = operations / count + (i < operations % count ? 1 : 0);
            producers.add("bench-producer-" + (i + 1), share, target);
        }
        return producers;
    }

    private void add(String name, long share, Target target) {
        Thread thread = new Thread(() -> produce(share, target), name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private void produce(long share, Target target) {
        try {
            gate.await();
            for (long i = 0; i < share; i++) {
                target.operate();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** Lets every producer start. */
    void release() {
        gate.countDown();
    }

    /** Waits for every producer to finish its share; rethrows the first failure of any of them. */
    void join() throws Exception {
        for (Thread thread : threads) {
            thread.join();
        }
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }
}
