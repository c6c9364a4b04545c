package dev.agate.internal.host;

import dev.agate.DeliveryOptions;
import dev.agate.MessageBus;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.bus.Addressing;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.execution.EnvelopeExecutor;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The host's {@link MessageBus}, for callers outside its handlers: refuses sends unless the host is
 * running, addresses the message, and hands it over at once (a full queue blocks the caller, then fails
 * the send). Handlers send through their {@link dev.agate.MessageContext} instead, in their unit of work.
 * Thread-safe.
 */
final class HostBus implements MessageBus {
    private final Lifecycle lifecycle;
    private final Addressing addressing;
    private final Dispatcher dispatcher;
    private final EnvelopeExecutor executor;
    private final Clock clock;

    HostBus(Lifecycle lifecycle, Addressing addressing, Dispatcher dispatcher, EnvelopeExecutor executor, Clock clock) {
        this.lifecycle = lifecycle;
        this.addressing = addressing;
        this.dispatcher = dispatcher;
        this.executor = executor;
        this.clock = clock;
    }

    @Override
    public void send(Object message) {
        send(message, DeliveryOptions.none());
    }

    @Override
    public void send(Object message, DeliveryOptions options) {
        lifecycle.checkRunning();
        dispatcher.deliverAll(addressing.route(message, options, null, true, null));
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        lifecycle.checkRunning();
        dispatcher.deliverAll(List.of(addressing.address(endpoint, message, options, null, null)));
    }

    @Override
    public void publish(Object message) {
        publish(message, DeliveryOptions.none());
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        lifecycle.checkRunning();
        dispatcher.deliverAll(addressing.route(message, options, null, false, null));
    }

    @Override
    public void invoke(Object message) {
        lifecycle.checkRunning();
        executor.invoke(Objects.requireNonNull(message, "message"), null);
    }

    @Override
    public <T> T invoke(Object message, Class<T> responseType) {
        lifecycle.checkRunning();
        Objects.requireNonNull(responseType, "responseType");
        return responseType.cast(executor.invoke(Objects.requireNonNull(message, "message"), responseType));
    }

    @Override
    public void schedule(Object message, Instant time) {
        schedule(message, time, DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Duration delay) {
        schedule(message, clock.instant().plus(delay), DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Instant time, DeliveryOptions options) {
        lifecycle.checkRunning();
        dispatcher.deliverAll(addressing.route(message, options, null, true, Objects.requireNonNull(time, "time")));
    }
}
