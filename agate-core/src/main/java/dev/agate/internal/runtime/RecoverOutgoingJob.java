package dev.agate.internal.runtime;

import dev.agate.Envelope;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims unowned outgoing envelopes (a dead node's, a latched or full sender's, or written by an outbox
 * whose node stopped before sending) for the senders of this host, at most as many as each has room for
 * (none while it is latched), and hands them over.
 */
final class RecoverOutgoingJob extends DurabilityAgent.Job {
    private static final Logger log = LoggerFactory.getLogger(RecoverOutgoingJob.class);

    private final DurableStorage storage;
    /** Room in the sender of a destination; -1 when this host has no transport for it. */
    private final ToIntFunction<URI> room;
    private final Consumer<Envelope> deliver;
    private final Set<URI> reported = new HashSet<>();

    RecoverOutgoingJob(DurableStorage storage, ToIntFunction<URI> room, Consumer<Envelope> deliver) {
        super("recover outgoing", storage.settings().recoveryInterval(), true);
        this.storage = storage;
        this.room = room;
        this.deliver = deliver;
    }

    @Override
    void run() {
        Set<URI> destinations = storage.call("finding unowned outgoing envelopes", () -> storage.store().outbox().destinationsWithUnowned());
        for (URI destination : destinations) {
            recover(destination);
        }
    }

    private void recover(URI destination) {
        int batchSize = storage.settings().batchSize();
        while (true) {
            int free = room.applyAsInt(destination);
            if (free <= 0) {
                if (free < 0 && reported.add(destination)) {
                    log.warn("the store holds envelopes for {}, but this host has no transport for its scheme; left for a node"
                            + " that has", destination);
                }
                return;
            }
            int limit = Math.min(batchSize, free);
            List<Envelope> claimed = storage.call("claiming outgoing envelopes for " + destination,
                    () -> storage.store().outbox().claim(destination, storage.nodeId(), limit));
            if (!claimed.isEmpty()) {
                log.debug("recovered {} outgoing envelope(s) for {}", claimed.size(), destination);
            }
            claimed.forEach(deliver);
            if (claimed.size() < limit) {
                return;
            }
        }
    }
}
