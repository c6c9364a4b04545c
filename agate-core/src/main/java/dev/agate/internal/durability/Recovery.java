package dev.agate.internal.durability;

import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.internal.Observers;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.bus.Endpoints;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.Inbox;
import dev.agate.spi.MessageEvent.Kind;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands envelopes claimed from the store (now owned by this node) to the endpoints of this host: what
 * the recovery jobs and the scheduled job claim, and how much room each endpoint has for them. When an
 * endpoint cannot take an envelope, the claim is released, so nothing is lost between claim and queue.
 * Thread-safe.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final DurableStorage storage;
    private final Endpoints endpoints;
    private final Dispatcher dispatcher;
    private final Observers observers;
    private final DeadLettering deadLetters;
    /** Destinations whose stored outgoing envelopes this host leaves alone, its sender there being buffered (warned once). */
    private final Set<String> bufferedWithRows = ConcurrentHashMap.newKeySet();

    Recovery(DurableStorage storage, Endpoints endpoints, Dispatcher dispatcher, Observers observers, DeadLettering deadLetters) {
        this.deadLetters = deadLetters;
        this.storage = storage;
        this.endpoints = endpoints;
        this.dispatcher = dispatcher;
        this.observers = observers;
    }

    /** Drops the stored envelopes this host holds in memory, unhandled: this node's incarnation was declared dead. */
    int dropInMemory() {
        return endpoints.dropStored();
    }

    /** Room for recovered incoming envelopes in the endpoint of {@code uri}; -1 when this host does not take them. */
    int roomFor(URI uri) {
        if (!endpoints.takesFromStore(uri)) {
            return -1;
        }
        try {
            return endpoints.endpoint(uri).room();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Claims unowned incoming envelopes of {@code endpoint} and screens them for poison messages. An envelope
     * whose holder died holding it (an unfinished take) may have crashed the process: when its crashes reach
     * {@link dev.agate.Durability#maxHandlingCrashes()} it goes to the dead letters instead of to a handler
     * (the first crash is the one that left its first take unfinished, before anything was recorded);
     * else it is suspected, so its next attempts run alone and are counted. Returns what is to be delivered.
     */
    List<Envelope> claimIncoming(URI endpoint, int limit) {
        List<Inbox.Claimed> claimed = storage.store().inbox().take(endpoint, storage.nodeId(), limit);
        List<Envelope> deliver = new ArrayList<>(claimed.size());
        int max = storage.settings().maxHandlingCrashes();
        int suspected = 0;
        for (Inbox.Claimed claim : claimed) {
            Envelope envelope = claim.envelope();
            if (claim.unfinishedTakes() == 0) {
                deliver.add(envelope);
                continue;
            }
            int crashes = claim.crashes() + 1;
            if (crashes >= max) {
                deadLetters.deadLetter(envelope, endpoint, true, "handling crashed the process " + crashes + " time(s)"
                        + " (Durability.maxHandlingCrashes is " + max + ")", null);
                continue;
            }
            log.debug("envelope {} ({}) at {} was held by a node that died holding it ({} time(s))", envelope.id(),
                    envelope.messageType(), endpoint, claim.unfinishedTakes());
            storage.suspects().suspect(envelope.id());
            suspected++;
            deliver.add(envelope);
        }
        if (suspected > 0) {
            // One line per claim, not per envelope: a crash leaves every envelope its node held suspected.
            log.warn("{} of {} envelope(s) claimed at {} were held by a node that died holding them; each may have crashed the"
                    + " process, so their attempts run one at a time and are counted", suspected, claimed.size(), endpoint);
        }
        return deliver;
    }

    /**
     * Puts a claimed incoming envelope into its endpoint. A durable queue keeps it in the store until
     * handled; another endpoint takes it into memory and it leaves the store; a sender takes a scheduled
     * send that came due, or a replayed dead letter, out of the inbox into the outbox.
     */
    void deliverStored(Envelope envelope) {
        if (envelope.destination() == null || !endpoints.takesFromStore(envelope.destination())) {
            // Another service's (the store may be shared): give it back, as incoming, to the nodes that know it.
            storage.release(List.of(envelope.id()));
            return;
        }
        boolean accepted;
        try {
            Endpoint endpoint = endpoints.endpoint(envelope.destination());
            if (endpoint.sendsOut()) {
                observers.emit(Kind.SENT, envelope, endpoint.uri());
                if (endpoint.mode() == EndpointMode.DURABLE) {
                    if (storage.moveToOutbox(envelope)) { // one transaction: a crash cannot leave it in both, or neither
                        endpoint.offer(envelope, Duration.ZERO);
                    }
                } else if (storage.removeIncoming(envelope.id())) {
                    // Gone from the inbox before it goes out: a listener on this database must not find its id there.
                    endpoint.send(envelope);
                }
                return;
            }
            if (endpoint.mode() == EndpointMode.DURABLE) {
                observers.emit(Kind.SENT, envelope, endpoint.uri());
                endpoint.offer(envelope, Duration.ZERO);
                return;
            }
            accepted = dispatcher.handOver(new Delivery(endpoint, envelope), true);
        } catch (RuntimeException e) {
            log.warn("could not deliver stored envelope {} ({}) to {}; released to any node: {}", envelope.id(), envelope.messageType(),
                    envelope.destination(), e.toString());
            accepted = false;
        }
        if (accepted) {
            storage.markHandledLater(envelope);
        } else {
            storage.release(List.of(envelope.id()));
        }
    }

    /** Room in the sender of {@code destination} for recovered outgoing envelopes; -1 when this host cannot send there. */
    int senderRoom(URI destination) {
        if (!endpoints.canSendTo(destination)) {
            return -1;
        }
        if (endpoints.isParked(destination)) {
            return 0; // its sender gave up on it moments ago; tried again later
        }
        try {
            Endpoint sender = endpoints.endpoint(destination);
            if (sender.mode() != EndpointMode.DURABLE) {
                if (bufferedWithRows.add(destination.toString())) {
                    log.warn("the store holds outgoing envelopes for {}, whose sender on this host is buffered; they wait for a node"
                            + " whose sender to it is durable (a buffered sender would lose them in a crash)", destination);
                }
                return 0;
            }
            return sender.room();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Hands a claimed outgoing envelope to its durable sender, which deletes it once acknowledged. */
    void deliverOutgoing(Envelope envelope) {
        try {
            endpoints.endpoint(envelope.destination()).offer(envelope, Duration.ZERO); // a durable sender: senderRoom() saw to it
        } catch (RuntimeException e) {
            log.warn("could not hand outgoing envelope {} to its sender for {}; released to any node: {}", envelope.id(),
                    envelope.destination(), e.toString());
            storage.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
        }
    }
}
