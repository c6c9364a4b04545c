package dev.agate.internal.runtime;

import dev.agate.DeliveryOptions;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.MessageContext;
import dev.agate.Outgoing;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The unit of work of one handling attempt. Sends are routed at once (so a bad route fails the handler
 * that asked for it) but held in {@code pending} until {@link #commit()}; {@link #discard()} forgets them.
 * After either, the context refuses further use: a send from a handler's leftover thread must not vanish.
 * A context belongs to the thread that runs the handler; it is not thread-safe.
 *
 * <p>With a message store, the context opens a store transaction when first needed: when the handler
 * asks for {@link #connection()}, or when something it sends must be stored (to a durable endpoint, or
 * scheduled for later). {@link #commit()} then writes those sends and, for an envelope from a durable
 * endpoint, the mark that it was handled (checked against this node's ownership) in that transaction and
 * commits it, so the handler's own writes, its cascades and the mark commit or roll back together. A
 * nested {@code invoke} shares its parent's transaction.
 */
final class ExecutionContext implements MessageContext {
    private final AgateRuntime runtime;
    private final Envelope envelope;
    private final ExecutionContext parent;
    /** The endpoint whose worker runs this unit of work, or null for invoke. */
    private final Endpoint origin;
    private List<Delivery> pending = List.of();
    private boolean finished;
    /** Opened on first need; always null in a nested context, which uses its parent's. */
    private StoreTransaction transaction;
    /** Scheduled sends written to the store by commit(), announced once it succeeded. */
    private final List<Delivery> storedForLater = new ArrayList<>(0);

    ExecutionContext(AgateRuntime runtime, Envelope envelope, ExecutionContext parent, Endpoint origin) {
        this.runtime = runtime;
        this.envelope = envelope;
        this.parent = parent;
        this.origin = origin;
    }

    private List<Delivery> pending() {
        if (finished) {
            throw new IllegalStateException("the message context of envelope " + envelope.id() + " (" + envelope.messageType()
                    + ") is finished: use it only while its handler runs");
        }
        if (!(pending instanceof ArrayList)) {
            pending = new ArrayList<>(4);
        }
        return pending;
    }

    @Override
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public Connection connection() {
        pending(); // refuses a finished context
        return transaction().connection().orElseThrow(() -> new IllegalStateException("the message store "
                + runtime.durable().store().description() + " is not on a JDBC database: there is no connection to use"));
    }

    private StoreTransaction transaction() {
        if (parent != null) {
            return parent.transaction();
        }
        DurableStorage durable = runtime.durable();
        if (durable == null) {
            throw new IllegalStateException("host '" + runtime.serviceName() + "' has no message store, so a handler has no"
                    + " transaction to work in: configure AgateHost.builder().store(...)");
        }
        if (transaction == null) {
            transaction = durable.begin();
        }
        return transaction;
    }

    @Override
    public void send(Object message) {
        send(message, DeliveryOptions.none());
    }

    @Override
    public void send(Object message, DeliveryOptions options) {
        pending().addAll(runtime.route(message, options, envelope, true, null));
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        pending().add(runtime.address(endpoint, message, options, envelope, null));
    }

    @Override
    public void publish(Object message) {
        publish(message, DeliveryOptions.none());
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        pending().addAll(runtime.route(message, options, envelope, false, null));
    }

    @Override
    public void invoke(Object message) {
        runtime.executor().invoke(message, null, this);
    }

    @Override
    public <T> T invoke(Object message, Class<T> responseType) {
        return responseType.cast(runtime.executor().invoke(message, responseType, this));
    }

    @Override
    public void schedule(Object message, Instant time) {
        schedule(message, time, DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Duration delay) {
        schedule(message, runtime.clock().instant().plus(delay), DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Instant time, DeliveryOptions options) {
        pending().addAll(runtime.route(message, options, envelope, true, time));
    }

    /** Adds what the handlers returned. */
    void cascade(List<Outgoing> cascades) {
        if (cascades.isEmpty()) {
            return;
        }
        Instant now = runtime.clock().instant();
        for (Outgoing outgoing : cascades) {
            Instant at = outgoing.scheduledTimeFrom(now);
            if (outgoing.endpoint() != null) {
                pending().add(runtime.address(outgoing.endpoint(), outgoing.message(), outgoing.options(), envelope, at));
            } else {
                pending().addAll(runtime.route(outgoing.message(), outgoing.options(), envelope, true, at));
            }
        }
    }

    /**
     * Ends the unit of work: stores what must be stored, marks a durable envelope handled, commits, then
     * delivers the rest (owed: that never fails). A nested context hands everything to its parent.
     *
     * @return false when this node no longer owns the durable envelope (another node took it over, or it
     *         was handled already): everything was rolled back and nothing is delivered
     * @throws StoreUnavailableException when the store failed; everything was rolled back
     */
    boolean commit() {
        List<Delivery> owed = pending;
        if (parent != null) {
            finish();
            parent.pending().addAll(owed);
            return true;
        }
        DurableStorage durable = runtime.durable();
        if (durable == null) {
            finish();
            if (!owed.isEmpty()) {
                runtime.deliverOwed(owed, origin);
            }
            return true;
        }
        List<Delivery> toDeliver;
        try {
            toDeliver = store(durable, owed);
            boolean durableOrigin = origin != null && origin.mode() == EndpointMode.DURABLE;
            if (durableOrigin && transaction != null && !durable.markHandled(transaction, envelope.id())) {
                discard();
                return false;
            }
            if (transaction != null) {
                StoreTransaction committing = transaction;
                durable.call("committing the handling of envelope " + envelope.id(), () -> {
                    committing.commit();
                    return null;
                });
                transaction = null;
            } else if (durableOrigin) {
                durable.markHandledLater(envelope.id());
            }
        } catch (RuntimeException e) {
            discard();
            throw e;
        }
        finish();
        storedForLater.forEach(d -> runtime.observers().emit(dev.agate.spi.MessageEvent.Kind.SCHEDULED, d.envelope(), d.endpoint().uri()));
        if (!toDeliver.isEmpty()) {
            runtime.deliverOwed(toDeliver, origin);
        }
        return true;
    }

    /**
     * Writes the deliveries that must be stored (to durable endpoints, or scheduled for later) in this unit
     * of work's transaction, and returns what is left to deliver after the commit: the durable ones (to be
     * taken into memory, as stored) and the buffered ones; scheduled ones wait in the store for the agent.
     */
    private List<Delivery> store(DurableStorage durable, List<Delivery> owed) {
        if (owed.isEmpty()) {
            return owed;
        }
        Instant now = runtime.clock().instant();
        Map<Endpoint, List<Envelope>> byEndpoint = new LinkedHashMap<>();
        List<Delivery> toDeliver = new ArrayList<>(owed.size());
        // Decided per delivery: one endpoint may get a stored (scheduled) envelope and an in-memory one.
        for (Delivery delivery : owed) {
            if (delivery.endpoint().mode() == EndpointMode.DURABLE || DurableStorage.isLater(delivery.envelope(), now)) {
                byEndpoint.computeIfAbsent(delivery.endpoint(), e -> new ArrayList<>()).add(delivery.envelope());
            } else {
                toDeliver.add(delivery);
            }
        }
        if (byEndpoint.isEmpty()) {
            return owed;
        }
        for (Map.Entry<Endpoint, List<Envelope>> entry : byEndpoint.entrySet()) {
            Endpoint endpoint = entry.getKey();
            for (Envelope stored : durable.persist(transaction(), endpoint.uri(), entry.getValue(), now)) {
                if (DurableStorage.isLater(stored, now)) {
                    storedForLater.add(new Delivery(endpoint, stored));
                } else {
                    toDeliver.add(new Delivery(endpoint, stored));
                }
            }
        }
        return toDeliver;
    }

    /** Forgets what was collected and rolls back the transaction, if one was opened. */
    void discard() {
        finish();
        if (transaction != null) {
            transaction.rollback();
            transaction = null;
        }
    }

    private void finish() {
        finished = true;
        pending = List.of();
    }
}
