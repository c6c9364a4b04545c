package dev.agate.internal;

import dev.agate.AgateException;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The state of a host: CREATED, RUNNING, CLOSING, CLOSED, moved under one lock, plus the "stopping" flag
 * that close() sets when it stops the workers. Public sends are refused outside RUNNING; handlers still
 * running in CLOSING may cascade, so that draining finishes the work it started. Only the state: the
 * steps of starting and closing are the host's, which runs them in its order. Thread-safe.
 */
public final class Lifecycle {
    private enum State { CREATED, RUNNING, CLOSING, CLOSED }

    private final String serviceName;
    private final Object lock = new Object();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile State state = State.CREATED;
    /** Set when close() stops the workers: from then on an interrupted attempt is abandoned, not retried. */
    private volatile boolean stopping;
    /** Why the host stopped taking work while running (a VirtualMachineError), or null. */
    private volatile String failure;

    public Lifecycle(String serviceName) {
        this.serviceName = serviceName;
    }

    /**
     * Runs {@code beforeRunning}, moves to RUNNING, then runs {@code onceRunning}, all under the lock, so a
     * concurrent close() waits for the start to finish. When {@code beforeRunning} throws, the host stays
     * CREATED.
     *
     * @throws IllegalStateException when the host was started or closed before
     */
    public void start(Runnable beforeRunning, Runnable onceRunning) {
        synchronized (lock) {
            if (state != State.CREATED) {
                throw new IllegalStateException("host '" + serviceName + "' is " + state + "; a host starts once");
            }
            beforeRunning.run();
            state = State.RUNNING;
            onceRunning.run();
        }
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** @throws AgateException unless the host is running */
    public void checkRunning() {
        State current = state;
        if (current != State.RUNNING) {
            throw new AgateException("host '" + serviceName + "' is " + current.name().toLowerCase(Locale.ROOT)
                    + (current == State.CREATED ? "; call start() first" : "; it takes no new messages"));
        }
    }

    /**
     * Begins closing. True for the one call that must now close the host; false when there is nothing to
     * do: a host never started is CLOSED at once, and a host that another call is closing is waited for.
     */
    public boolean beginClose() {
        boolean first;
        synchronized (lock) {
            if (state == State.CREATED) {
                state = State.CLOSED;
                closed.countDown();
                return false;
            }
            first = state == State.RUNNING;
            if (first) {
                state = State.CLOSING;
            }
        }
        if (!first) {
            awaitClosed(); // outside the lock: the first close() needs it to finish
        }
        return first;
    }

    /**
     * Records that part of the host met a {@link VirtualMachineError} (out of memory, a stack overflow, an
     * internal error of the JVM): the JVM may be unusable, so from now on the host takes no work (see
     * {@link #isTakingWork()}) and reports itself unhealthy with the reason, for whatever restarts the
     * process. The first failure is kept; it is logged loudly.
     */
    public void fail(String where, VirtualMachineError error) {
        String reason = error + " in " + where + ": the JVM may be unusable, so host '" + serviceName
                + "' takes no more work; restart the process";
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = reason;
        }
        org.slf4j.LoggerFactory.getLogger(Lifecycle.class).error("{}", reason, error);
    }

    /** Why the host stopped taking work while running, or null when it did not. */
    public String failure() {
        return failure;
    }

    /** Running and not failed: workers, jobs and listeners take new work. */
    public boolean isTakingWork() {
        return state == State.RUNNING && failure == null;
    }

    /** Records {@code error} with {@link #fail} when it is a {@link VirtualMachineError}; true if it was. */
    public boolean failIfFatal(String where, Throwable error) {
        if (error instanceof VirtualMachineError fatal) {
            fail(where, fatal);
            return true;
        }
        return false;
    }

    /** Marks that the workers are being stopped. */
    public void stopping() {
        stopping = true;
    }

    public boolean isStopping() {
        return stopping;
    }

    /** Ends closing: CLOSED, and every close() waiting for it returns. */
    public void closed() {
        synchronized (lock) {
            state = State.CLOSED;
        }
        closed.countDown();
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
