package dev.agate.internal.durability;

import dev.agate.Envelope;
import dev.agate.internal.storage.DurableStorage;
import java.util.List;
import java.util.function.Consumer;

/**
 * Claims scheduled envelopes that are due (they become incoming, owned by this node) and hands each to
 * {@link Recovery}, which puts it in its endpoint or, when it cannot, releases the claim so that no envelope is
 * lost between the claim and the queue. Runs again at once while it finds full batches.
 */
final class FireScheduledJob extends DurabilityJob {
    private final DurableStorage storage;
    private final Consumer<Envelope> fire;

    FireScheduledJob(DurableStorage storage, Consumer<Envelope> fire) {
        super("fire scheduled", storage.settings().scheduledPollingInterval(), true);
        this.storage = storage;
        this.fire = fire;
    }

    @Override
    void run() {
        int batchSize = storage.settings().batchSize();
        List<Envelope> due;
        do {
            due = storage.claim("scheduled.claim", "claiming due scheduled envelopes",
                    () -> storage.store().inbox().claimDueScheduled(storage.now(), storage.nodeId(), batchSize));
            due.forEach(fire);
        } while (due.size() == batchSize);
    }
}
