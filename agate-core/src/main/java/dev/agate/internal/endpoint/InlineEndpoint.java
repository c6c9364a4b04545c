package dev.agate.internal.endpoint;

import dev.agate.AgateException;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * An inline local queue: no buffer and no threads of its own; the envelope is handled on the thread that
 * delivers it (the sender, a worker cascading into it) before {@link #send} returns. Delayed work (a
 * scheduled message, a scheduled retry) is handed over by the host on a thread of its own, never on the
 * scheduler's.
 */
final class InlineEndpoint implements Endpoint {
    private final URI uri;
    private final EnvelopeHandler handler;
    private final WorkTracker work;
    private volatile boolean running;

    InlineEndpoint(URI uri, EnvelopeHandler handler, WorkTracker work) {
        this.uri = uri;
        this.handler = handler;
        this.work = work;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public EndpointMode mode() {
        return EndpointMode.INLINE;
    }

    @Override
    public int room() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public boolean send(Envelope envelope) {
        if (!running) {
            throw new AgateException(uri + " is stopped; envelope " + envelope.id() + " (" + envelope.messageType() + ") was not accepted");
        }
        work.begin();
        try {
            handler.handle(envelope, this);
        } finally {
            work.end();
        }
        return true;
    }

    @Override
    public boolean offer(Envelope envelope, Duration wait) {
        send(envelope);
        return true;
    }

    @Override
    public void signalStop() {
        running = false;
    }

    @Override
    public List<Envelope> awaitStop(long deadlineNanos) {
        return List.of();
    }
}
