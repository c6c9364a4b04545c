package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import java.time.Instant;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes handled envelopes kept past their time, expired dead letters and outgoing envelopes past their
 * deliver-by time: each in batches of at most {@link dev.agate.Durability#batchSize()} rows, one
 * transaction per batch, and at most {@value #MAX_BATCHES} batches per run, so a large backlog is worked
 * off over several runs instead of in one long lock.
 */
final class CleanupJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(CleanupJob.class);
    static final int MAX_BATCHES = 20;

    private final DurableStorage storage;

    CleanupJob(DurableStorage storage) {
        super("cleanup", storage.settings().cleanupInterval(), false);
        this.storage = storage;
    }

    @Override
    void run() {
        Instant now = storage.now();
        int limit = storage.settings().batchSize();
        int handled = inBatches("deleting expired handled envelopes", () -> storage.store().inbox().deleteExpiredHandled(now, limit));
        int deadLetters = inBatches("deleting expired dead letters", () -> storage.store().deadLetters().deleteExpired(now, limit));
        int outgoing = inBatches("deleting expired outgoing envelopes", () -> storage.store().outbox().deleteExpired(now, limit));
        if (handled + deadLetters + outgoing > 0) {
            log.debug("cleanup deleted {} handled envelope(s), {} dead letter(s), {} expired outgoing envelope(s)", handled,
                    deadLetters, outgoing);
        }
    }

    private int inBatches(String what, IntSupplier batch) {
        int limit = storage.settings().batchSize();
        int total = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            int deleted = storage.call(what, batch::getAsInt);
            total += deleted;
            if (deleted < limit) {
                break;
            }
        }
        return total;
    }
}
