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
 * Claims unowned incoming envelopes (a dead node's, a full queue's, replayed dead letters) for the local
 * queues of this host, at most as many as each queue has room for, and hands them to the runtime.
 * Endpoints this host does not know are left to the nodes that do: several services may share a store.
 */
final class RecoverIncomingJob extends DurabilityAgent.Job {
    private static final Logger log = LoggerFactory.getLogger(RecoverIncomingJob.class);

    private final DurableStorage storage;
    /** Room in the endpoint of a URI, 0 when this host does not take envelopes for it. */
    private final ToIntFunction<URI> room;
    private final Consumer<Envelope> deliver;
    private final Set<URI> reported = new HashSet<>();

    RecoverIncomingJob(DurableStorage storage, ToIntFunction<URI> room, Consumer<Envelope> deliver) {
        super("recover incoming", storage.settings().recoveryInterval(), true);
        this.storage = storage;
        this.room = room;
        this.deliver = deliver;
    }

    @Override
    void run() {
        Set<URI> endpoints = storage.call("finding unowned incoming envelopes", () -> storage.store().inbox().endpointsWithUnowned());
        for (URI uri : endpoints) {
            recover(uri);
        }
    }

    private void recover(URI uri) {
        int batchSize = storage.settings().batchSize();
        while (true) {
            int free = room.applyAsInt(uri);
            if (free <= 0) {
                if (free < 0 && reported.add(uri)) {
                    log.info("the store holds unowned envelopes for {}, which this host does not handle; left for the nodes"
                            + " that do", uri);
                }
                return;
            }
            int limit = Math.min(batchSize, free);
            List<Envelope> claimed = storage.call("claiming incoming envelopes of " + uri,
                    () -> storage.store().inbox().claimIncoming(uri, storage.nodeId(), limit));
            if (!claimed.isEmpty()) {
                log.debug("recovered {} envelope(s) for {}", claimed.size(), uri);
            }
            claimed.forEach(deliver);
            if (claimed.size() < limit) {
                return;
            }
        }
    }
}
