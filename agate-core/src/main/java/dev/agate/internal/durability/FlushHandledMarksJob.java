package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import java.time.Duration;

/** Writes the batched handled marks at least every {@value #INTERVAL_MILLIS} ms, so a quiet queue's marks do not wait for a full batch. */
final class FlushHandledMarksJob extends DurabilityJob {
    static final long INTERVAL_MILLIS = 100;

    private final DurableStorage storage;

    FlushHandledMarksJob(DurableStorage storage) {
        super("flush handled marks", Duration.ofMillis(INTERVAL_MILLIS), false);
        this.storage = storage;
    }

    @Override
    void run() {
        storage.flushWriteBehind();
    }
}
