package dev.agate.internal.durability;

import dev.agate.Envelope;
import dev.agate.internal.storage.DurableStorage;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims unowned envelopes (a dead node's, a full or latched endpoint's, replayed dead letters) for the
 * endpoints of this host, at most as many as each has room for, and hands them over. Two of them run:
 * {@link #incoming} for the local queues, {@link #outgoing} for the durable senders. Endpoints this host
 * does not serve are left to the nodes that do: several services may share a store.
 */
final class RecoverJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(RecoverJob.class);

    private final DurableStorage storage;
    private final String what;
    /** The claim's name for the observers. */
    private final String operation;
    private final Supplier<Set<URI>> unowned;
    /** Room in the endpoint of a URI: 0 when it takes none now, -1 when this host does not serve it. */
    private final ToIntFunction<URI> room;
    private final BiFunction<URI, Integer, List<Envelope>> claim;
    private final Consumer<Envelope> deliver;
    private final Set<URI> reported = new HashSet<>();

    private RecoverJob(DurableStorage storage, String what, String operation, Supplier<Set<URI>> unowned, ToIntFunction<URI> room,
                       BiFunction<URI, Integer, List<Envelope>> claim, Consumer<Envelope> deliver) {
        super("recover " + what, storage.settings().recoveryInterval(), true);
        this.storage = storage;
        this.what = what;
        this.operation = operation;
        this.unowned = unowned;
        this.room = room;
        this.claim = claim;
        this.deliver = deliver;
    }

    /** Incoming envelopes, for the local queues that know their endpoint; {@code claim} screens them for poison messages. */
    static RecoverJob incoming(DurableStorage storage, ToIntFunction<URI> room, BiFunction<URI, Integer, List<Envelope>> claim,
                               Consumer<Envelope> deliver) {
        return new RecoverJob(storage, "incoming", "inbox.claim", () -> storage.store().inbox().endpointsWithUnowned(), room, claim, deliver);
    }

    /** Outgoing envelopes (written by an outbox whose node stopped, or handed back), for the senders of their destinations. */
    static RecoverJob outgoing(DurableStorage storage, ToIntFunction<URI> room, Consumer<Envelope> deliver) {
        return new RecoverJob(storage, "outgoing", "outbox.claim", () -> storage.store().outbox().destinationsWithUnowned(), room,
                (uri, limit) -> storage.store().outbox().claim(uri, storage.nodeId(), limit), deliver);
    }

    @Override
    void run() {
        for (URI uri : storage.call("finding unowned " + what + " envelopes", unowned)) {
            recover(uri);
        }
    }

    private void recover(URI uri) {
        int batchSize = storage.settings().batchSize();
        while (true) {
            int free = room.applyAsInt(uri);
            if (free <= 0) {
                if (free < 0 && reported.add(uri)) {
                    log.info("the store holds unowned {} envelopes for {}, which this host does not serve; left for the nodes"
                            + " that do", what, uri);
                }
                return;
            }
            int limit = Math.min(batchSize, free);
            List<Envelope> claimed = storage.claim(operation, "claiming " + what + " envelopes of " + uri,
                    () -> claim.apply(uri, limit));
            if (!claimed.isEmpty()) {
                log.debug("recovered {} {} envelope(s) for {}", claimed.size(), what, uri);
            }
            claimed.forEach(deliver);
            if (claimed.size() < limit) {
                return;
            }
        }
    }
}
