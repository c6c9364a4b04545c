package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes handled envelopes kept past the deduplication horizon, expired dead letters and outgoing
 * envelopes past their deliver-by time: each in batches of at most {@link dev.agate.Durability#batchSize()}
 * rows, one short transaction per batch (by an index on the expiry), until nothing expired is left or the
 * run's time budget, half the cleanup interval, is spent. A fixed number of batches per run let the tables
 * grow without bound once messages came faster than it (10,000 rows a minute); now a run keeps deleting as
 * long as there is work and time, and says so when the budget ran out first.
 */
final class CleanupJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(CleanupJob.class);
    private static final Duration MIN_BUDGET = Duration.ofSeconds(1);

    private final DurableStorage storage;
    private final Duration budget;

    CleanupJob(DurableStorage storage) {
        super("cleanup", storage.settings().cleanupInterval(), false);
        this.storage = storage;
        Duration half = storage.settings().cleanupInterval().dividedBy(2);
        this.budget = half.compareTo(MIN_BUDGET) < 0 ? MIN_BUDGET : half;
    }

    @Override
    void run() {
        Instant now = storage.now();
        int limit = storage.settings().batchSize();
        long deadline = System.nanoTime() + budget.toNanos();
        int handled = inBatches("deleting expired handled envelopes", () -> storage.store().inbox().deleteExpiredHandled(now, limit), deadline);
        int deadLetters = inBatches("deleting expired dead letters", () -> storage.store().deadLetters().deleteExpired(now, limit), deadline);
        int outgoing = inBatches("deleting expired outgoing envelopes", () -> storage.store().outbox().deleteExpired(now, limit), deadline);
        int deleted = handled + deadLetters + outgoing;
        storage.store().admin().afterCleanup(deleted + storage.takeDeletedRows());
        if (deleted > 0) {
            log.debug("cleanup deleted {} handled envelope(s), {} dead letter(s), {} expired outgoing envelope(s)", handled,
                    deadLetters, outgoing);
        }
    }

    /** Deletes batch after batch until one is not full (nothing expired is left) or the deadline passed. */
    private int inBatches(String what, IntSupplier batch, long deadline) {
        int limit = storage.settings().batchSize();
        int total = 0;
        while (true) {
            if (System.nanoTime() - deadline >= 0) {
                log.info("cleanup spent its {} on {} ({} rows this run) and goes on in its next run", budget, what, total);
                return total;
            }
            int deleted = storage.call(what, batch::getAsInt);
            total += deleted;
            if (deleted < limit) {
                return total;
            }
        }
    }
}
