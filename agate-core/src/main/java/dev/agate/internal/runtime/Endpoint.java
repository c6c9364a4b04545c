package dev.agate.internal.runtime;

import dev.agate.EndpointMode;
import dev.agate.Envelope;
import java.net.URI;
import java.util.List;

/** Where envelopes are delivered in this process. Implementations are thread-safe. */
interface Endpoint {
    URI uri();

    EndpointMode mode();

    /**
     * Accepts the envelope, blocking while the endpoint is full (back-pressure). An inline endpoint
     * handles it before returning.
     *
     * @throws dev.agate.QueueFullException when it stays full for the whole send timeout
     * @throws dev.agate.AgateException when the endpoint is stopped
     */
    void send(Envelope envelope);

    /** Accepts the envelope if there is room now; never blocks on a full queue. */
    boolean offer(Envelope envelope);

    void start();

    /** Stops the workers (interrupting any still busy) and returns the envelopes that were not handled. */
    List<Envelope> stop();
}
