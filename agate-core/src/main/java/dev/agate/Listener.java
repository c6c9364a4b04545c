package dev.agate;

import java.net.URI;
import java.util.Objects;

/**
 * Settings of one listener: where other services send to this host ({@code tcp://0.0.0.0:2201}), and the
 * local queue whose workers handle what arrives. Immutable; see {@link #at(String)}.
 *
 * <p>What "received" means is the queue's {@link EndpointMode}: a {@link EndpointMode#DURABLE durable}
 * queue persists each batch in the message store before the listener acknowledges it, so a crash after
 * the acknowledgement loses nothing and an envelope received twice is handled once; a
 * {@link EndpointMode#BUFFERED buffered} queue acknowledges once the batch is in memory, and answers
 * "queue full" (the sender slows down and sends again) when there is no room for the whole batch.
 *
 * <p>The received envelopes go to the queue {@link #queue()}: by default {@code local://inbox}. Nodes of
 * one service that share a store all know that queue, so each finishes what another left, whichever
 * port it listened on.
 */
public final class Listener {
    /** The default queue of a listener's envelopes. */
    public static final String DEFAULT_QUEUE = "inbox";

    private final URI uri;
    private final String queue;
    private final EndpointMode mode;
    private final URI replyUri;

    private Listener(Builder b) {
        this.uri = b.uri;
        this.queue = b.queue;
        this.mode = b.mode;
        this.replyUri = b.replyUri;
    }

    /**
     * A listener at {@code uri}, whose scheme names a transport on the class path or registered with
     * {@link AgateHost.Builder#transport}.
     */
    public static Builder at(String uri) {
        return new Builder(URI.create(Objects.requireNonNull(uri, "uri")));
    }

    public URI uri() { return uri; }

    /** The name of the local queue its envelopes go to. */
    public String queue() { return queue; }

    /**
     * The mode its queue gets when the queue is not declared with {@link AgateHost.Builder#localQueue}, or
     * null to use the host's default for local queues.
     */
    public EndpointMode mode() { return mode; }

    /**
     * The address other services answer this host at (the reply-to of what it sends), or null for the
     * listening URI, with a wildcard host ({@code 0.0.0.0}) replaced by this machine's name.
     */
    public URI replyUri() { return replyUri; }

    @Override
    public String toString() {
        return "listener " + uri + " -> local://" + queue + (mode == null ? "" : " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")");
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final URI uri;
        private String queue = DEFAULT_QUEUE;
        private EndpointMode mode;
        private URI replyUri;

        private Builder(URI uri) {
            if (uri.getScheme() == null) {
                throw new IllegalArgumentException("listener URI " + uri + " has no scheme: write it like tcp://0.0.0.0:2201");
            }
            this.uri = uri;
        }

        /** Hands what arrives to the local queue {@code name} instead of {@value #DEFAULT_QUEUE}. */
        public Builder queue(String name) {
            this.queue = LocalQueue.builder(name).build().name(); // checks the name
            return this;
        }

        /** Persists each batch before acknowledging it (its queue is durable unless declared otherwise). */
        public Builder durable() {
            this.mode = EndpointMode.DURABLE;
            return this;
        }

        /** Acknowledges a batch once it is in memory (its queue is buffered unless declared otherwise). */
        public Builder buffered() {
            this.mode = EndpointMode.BUFFERED;
            return this;
        }

        /** The address other services reply to, when the listening URI is not reachable as written (behind NAT, say). */
        public Builder replyUri(String uri) {
            this.replyUri = URI.create(Objects.requireNonNull(uri, "uri"));
            return this;
        }

        public Listener build() {
            return new Listener(this);
        }
    }
}
