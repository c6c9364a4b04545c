package dev.agate.internal.runtime;

import java.time.Duration;

/** Writes the batched handled marks at least every {@value #INTERVAL_MILLIS} ms, so a quiet queue's marks do not wait for a full batch. */
final class FlushHandledMarksJob implements DurabilityAgent.Job {
    static final long INTERVAL_MILLIS = 100;

    private final DurableStorage storage;

    FlushHandledMarksJob(DurableStorage storage) {
        this.storage = storage;
    }

    @Override
    public String name() {
        return "flush handled marks";
    }

    @Override
    public Duration interval() {
        return Duration.ofMillis(INTERVAL_MILLIS);
    }

    @Override
    public boolean claims() {
        return false;
    }

    @Override
    public void run() {
        storage.flushHandledMarks();
    }
}
