package dev.agate;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * The entry point for sending and handling messages.
 *
 * <p><b>Routing.</b> {@code send} and {@code publish} deliver to every endpoint that the host's routing
 * rules name for the message's class; when no rule matches and the process has a handler for the message,
 * it goes to the local queue named after its {@linkplain MessageType message type}.
 *
 * <p><b>Threads and blocking.</b> All methods are thread-safe. Sending to a bounded local queue that is
 * full blocks the caller until there is room or the host's send timeout passes, then throws
 * {@link QueueFullException}: this is Agate's back-pressure. Sending to an {@link EndpointMode#INLINE}
 * endpoint runs its handlers on the caller's thread before the method returns.
 *
 * <p><b>Inside a handler</b> the bus is a {@link MessageContext}: what is sent is held until every handler
 * of the message has succeeded, then delivered; if the handling fails, nothing is sent.
 */
public interface MessageBus {

    /**
     * Sends to the routed endpoints.
     *
     * @throws NoRouteException when no routing rule matches and no local handler exists
     * @throws QueueFullException when a local queue stays full for longer than the send timeout
     * @throws AgateException when the host is not running
     */
    void send(Object message);

    /** {@link #send(Object)} with headers, expiry or correlation id. */
    void send(Object message, DeliveryOptions options);

    /**
     * Sends to one explicit endpoint, ignoring routing rules. A {@code local://name} endpoint that was
     * not declared is created with the default local-queue settings.
     *
     * @throws IllegalArgumentException when the URI's scheme has no transport in this host
     */
    void sendTo(URI endpoint, Object message, DeliveryOptions options);

    /** {@link #sendTo(URI, Object, DeliveryOptions)} with a URI given as a string and no options. */
    default void sendTo(String endpoint, Object message) {
        sendTo(URI.create(endpoint), message, DeliveryOptions.none());
    }

    /** Sends to every routed endpoint, if any: unlike {@link #send(Object)}, no route is not an error. */
    void publish(Object message);

    /** {@link #publish(Object)} with headers, expiry or correlation id. */
    void publish(Object message, DeliveryOptions options);

    /**
     * Runs the message's handlers now, on the calling thread, in one unit of work: their cascaded
     * messages are sent when they all succeed. Immediate retries and cooldown retries of the error
     * policies apply; any other outcome rethrows the handler's exception to the caller (checked
     * exceptions wrapped in {@link AgateException}). Nothing is dead-lettered by {@code invoke}.
     *
     * @throws NoRouteException when the process has no handler for the message
     */
    void invoke(Object message);

    /**
     * Like {@link #invoke(Object)}, and returns the first value returned by a handler (or contained in
     * a returned collection or {@code Optional}) that is an instance of {@code responseType}. That value
     * is returned, not cascaded; other returned messages cascade as usual.
     *
     * @throws AgateException when no handler returned a {@code responseType}
     */
    <T> T invoke(Object message, Class<T> responseType);

    /** Sends to the routed endpoints for handling at {@code time}; a time in the past means now. */
    void schedule(Object message, Instant time);

    /** Sends to the routed endpoints for handling after {@code delay}. */
    void schedule(Object message, Duration delay);

    /** {@link #schedule(Object, Instant)} with headers, expiry or correlation id. */
    void schedule(Object message, Instant time, DeliveryOptions options);
}
