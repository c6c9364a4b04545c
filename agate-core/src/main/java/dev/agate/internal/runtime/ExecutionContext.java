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
 * A context belongs to the thread that runs the handler; it is not thread-safe.
 */
final class ExecutionContext implements MessageContext {
    private final AgateRuntime runtime;
    private final Envelope envelope;
    private final ExecutionContext parent;
    private final List<Delivery> pending = new ArrayList<>(4);

    ExecutionContext(AgateRuntime runtime, Envelope envelope, ExecutionContext parent) {
        this.runtime = runtime;
        this.envelope = envelope;
        this.parent = parent;
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
        pending.addAll(runtime.route(message, options, envelope, true, null));
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        pending.add(runtime.address(endpoint, message, options, envelope, null));
    }

    @Override
    public void publish(Object message) {
        publish(message, DeliveryOptions.none());
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        pending.addAll(runtime.route(message, options, envelope, false, null));
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
        pending.addAll(runtime.route(message, options, envelope, true, time));
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
                pending.add(runtime.address(outgoing.endpoint(), outgoing.message(), outgoing.options(), envelope, at));
            } else {
                pending.addAll(runtime.route(outgoing.message(), outgoing.options(), envelope, true, at));
            }
        }
    }

    /** Delivers what was collected, or hands it to the enclosing unit of work. */
    void commit() {
        if (pending.isEmpty()) {
            return;
        }
        if (parent != null) {
            parent.pending.addAll(pending);
        } else {
            runtime.deliverAll(pending);
        }
        pending.clear();
    }

    void discard() {
        pending.clear();
    }
}
