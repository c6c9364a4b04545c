package dev.agate.internal.runtime;

import dev.agate.DeliveryOptions;
import dev.agate.Envelope;
import dev.agate.MessageContext;
import dev.agate.Outgoing;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The unit of work of one handling attempt. Sends are routed at once (so a bad route fails the handler
 * that asked for it) but held in {@code pending} until {@link #commit()}; {@link #discard()} forgets them.
 * After either, the context refuses further use: a send from a handler's leftover thread must not vanish.
 * A context belongs to the thread that runs the handler; it is not thread-safe.
 */
final class ExecutionContext implements MessageContext {
    private final AgateRuntime runtime;
    private final Envelope envelope;
    private final ExecutionContext parent;
    /** The endpoint whose worker runs this unit of work, or null for invoke. */
    private final Endpoint origin;
    private List<Delivery> pending = List.of();
    private boolean finished;

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

    /** Delivers what was collected (owed: never fails), or hands it to the enclosing unit of work. */
    void commit() {
        List<Delivery> owed = pending;
        finish();
        if (owed.isEmpty()) {
            return;
        }
        if (parent != null) {
            parent.pending().addAll(owed);
        } else {
            runtime.deliverOwed(owed, origin);
        }
    }

    void discard() {
        finish();
    }

    private void finish() {
        finished = true;
        pending = List.of();
    }
}
