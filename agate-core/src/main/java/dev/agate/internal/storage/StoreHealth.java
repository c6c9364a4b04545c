package dev.agate.internal.storage;

import dev.agate.internal.Backoff;
import dev.agate.internal.Observers;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the message store works: every call of the runtime's to the store goes through {@link #call}.
 * A failure becomes a {@link StoreUnavailableException} and pauses the durable workers by
 * {@link #PAUSE} (250 ms doubling to 5 s), so a database that is down is not hammered by every worker at
 * once; the first call that works again ends the pause. The calls that move envelopes are also timed here
 * for the observers ({@link dev.agate.spi.MessageObserver#onStoreOperation}), since here they all pass.
 * Thread-safe.
 */
final class StoreHealth {
    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);
    /** How long the durable workers rest after store failures in a row; also the pace of retrying the store's start. */
    static final Backoff PAUSE = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));

    private final String description;
    private final Observers observers;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private volatile long pausedUntilNanos;
    private volatile String lastFailure;

    /**
     * @param description the store, for the log line when it works again
     * @param observers   told how long the calls that move envelopes took
     */
    StoreHealth(String description, Observers observers) {
        this.description = description;
        this.observers = observers;
    }

    /** {@link #call}, reported to the observers as {@code operation} on {@code envelopes} envelopes. */
    <T> T call(String operation, int envelopes, String what, Supplier<T> work) {
        return timed(operation, envelopes, () -> call(what, work));
    }

    /** {@link #call} of a claim, reported to the observers as {@code operation} on the envelopes it returned. */
    <T extends Collection<?>> T claim(String operation, String what, Supplier<T> work) {
        return timed(operation, -1, () -> call(what, work));
    }

    /**
     * Runs {@code call} (through this health or not: a write in the application's transaction is the
     * application's) reported to the observers as {@code operation} on {@code envelopes} envelopes, or when -1
     * on as many as the collection it returned.
     */
    <T> T timed(String operation, int envelopes, Supplier<T> call) {
        if (!observers.any()) {
            return call.get();
        }
        long start = System.nanoTime();
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            observers.storeOperation(operation, Math.max(envelopes, 0), System.nanoTime() - start, false);
            throw e;
        }
        observers.storeOperation(operation, envelopes >= 0 ? envelopes : ((Collection<?>) result).size(), System.nanoTime() - start, true);
        return result;
    }

    /** Runs one store call, turning its failure into a {@link StoreUnavailableException} and a pause. */
    <T> T call(String what, Supplier<T> work) {
        try {
            T result = work.get();
            if (failuresInARow.get() > 0) {
                failuresInARow.set(0);
                pausedUntilNanos = 0;
                lastFailure = null;
                log.info("the message store {} works again", description);
            }
            return result;
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            int failures = failuresInARow.incrementAndGet();
            lastFailure = what + " failed: " + e.getMessage();
            pausedUntilNanos = System.nanoTime() + PAUSE.nanosAfter(failures);
            throw new StoreUnavailableException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** Why the last store call failed, or null when it worked. */
    String lastFailure() {
        return lastFailure;
    }

    /** Whether durable workers should wait before taking more work: the store failed moments ago. */
    boolean isPaused() {
        long until = pausedUntilNanos;
        return until != 0 && until - System.nanoTime() > 0;
    }

    /** How long to wait before trying the store again after a failure. */
    Duration retryDelay() {
        return PAUSE.after(failuresInARow.get());
    }
}
