package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A message plus the metadata Agate needs to route, deliver, retry and trace it.
 *
 * <p>Envelopes are immutable: every change ({@link #withAttempts(int)}, {@link #withDestination(URI)} ...)
 * returns a copy. An envelope carries the message as an object ({@link #message()}), as serialized bytes
 * ({@link #body()}), or both: an envelope created in this process has the object and gains a body when
 * it is persisted or sent over a wire; one that arrived from elsewhere has only the body until it is
 * deserialized for its handler.
 *
 * <p>{@link #attempts()} counts the handling attempts that have been <em>started</em>: it is 0 until the
 * envelope is first handled and 1 while a handler runs for the first time.
 */
public final class Envelope {
    /**
     * A header a transport sets on an envelope it received but could not fully read (a broker message with
     * no message type it can name, say), with the reason as its value. The envelope is persisted like any
     * other, so it is acknowledged and not lost, and then dead-lettered at once with that reason.
     */
    public static final String UNREADABLE_HEADER = "agate-unreadable";

    private final UUID id;
    private final String messageType;
    private final String contentType;
    private final Map<String, String> headers;
    private final String correlationId;
    private final UUID causationId;
    private final String source;
    private final URI destination;
    private final URI replyTo;
    private final Instant sentAt;
    private final Instant scheduledTime;
    private final Instant deliverBy;
    private final int attempts;
    private final Object message;
    private final byte[] body;

    private Envelope(Builder b) {
        this.id = b.id != null ? b.id : Uuid7.next();
        this.messageType = Objects.requireNonNull(b.messageType, "messageType");
        this.contentType = b.contentType;
        this.headers = b.ownsHeaders ? Collections.unmodifiableMap(new LinkedHashMap<>(b.headers)) : b.headers;
        this.correlationId = b.correlationId;
        this.causationId = b.causationId;
        this.source = b.source;
        this.destination = b.destination;
        this.replyTo = b.replyTo;
        this.sentAt = b.sentAt;
        this.scheduledTime = b.scheduledTime;
        this.deliverBy = b.deliverBy;
        if (b.attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0 but was " + b.attempts);
        }
        this.attempts = b.attempts;
        if (b.message == null && b.body == null) {
            throw new IllegalArgumentException("envelope " + b.id + " has neither a message nor a body");
        }
        this.message = b.message;
        this.body = b.body;
    }

    /** Starts an envelope; it gets a fresh UUIDv7 id unless {@link Builder#id(UUID)} sets one. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every field of this envelope, to change several at once. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Unique id (UUIDv7, so ids sort by creation time). One id per destination of a send. */
    public UUID id() { return id; }

    /** The stable message-type name, see {@link MessageType}. */
    public String messageType() { return messageType; }

    /** The body's content type, for example {@code application/json}; null until the message is serialized. */
    public String contentType() { return contentType; }

    /** Application headers; never null, unmodifiable. */
    public Map<String, String> headers() { return headers; }

    /** Caller-supplied id that ties together all messages of one business operation; inherited by cascades. */
    public String correlationId() { return correlationId; }

    /** The id of the envelope whose handling sent this one (the conversation's previous step), or null. */
    public UUID causationId() { return causationId; }

    /** The name of the service that sent this envelope. */
    public String source() { return source; }

    /** The endpoint this envelope is addressed to, or null before it is routed. */
    public URI destination() { return destination; }

    /** Where a response should go, or null. */
    public URI replyTo() { return replyTo; }

    /** When the envelope was created by its sender. */
    public Instant sentAt() { return sentAt; }

    /** When the envelope should be handled, or null for "as soon as possible". */
    public Instant scheduledTime() { return scheduledTime; }

    /** After this instant the envelope is discarded instead of handled, or null for no expiry. */
    public Instant deliverBy() { return deliverBy; }

    /** The number of handling attempts started so far. */
    public int attempts() { return attempts; }

    /** The message object, or null when only the serialized body is known. */
    public Object message() { return message; }

    /**
     * The serialized message, or null until it is serialized. The array is shared, not copied:
     * callers must not modify it.
     */
    public byte[] body() { return body; }

    /** True when {@code deliverBy} is set and is before {@code now}. */
    public boolean isExpired(Instant now) {
        return deliverBy != null && deliverBy.isBefore(now);
    }

    public Envelope withAttempts(int attempts) {
        return toBuilder().attempts(attempts).build();
    }

    public Envelope withDestination(URI destination) {
        return toBuilder().destination(destination).build();
    }

    public Envelope withScheduledTime(Instant scheduledTime) {
        return toBuilder().scheduledTime(scheduledTime).build();
    }

    /** A copy carrying the serialized form as well as (or instead of) the object. */
    public Envelope withBody(String contentType, byte[] body) {
        return toBuilder().contentType(contentType).body(body).build();
    }

    /** A copy carrying the deserialized message object. */
    public Envelope withMessage(Object message) {
        return toBuilder().message(message).build();
    }

    @Override
    public String toString() {
        return "Envelope{id=" + id + ", type=" + messageType + ", destination=" + destination
                + ", attempts=" + attempts + (scheduledTime == null ? "" : ", scheduled=" + scheduledTime) + '}';
    }

    /** Builds an {@link Envelope}. Not thread-safe. */
    public static final class Builder {
        /** Null until set: a fresh id is made in build(), so copies and explicit ids cost no id generation. */
        private UUID id;
        private String messageType;
        private String contentType;
        /** Shared with the envelope it came from (immutable) until a header is added: most envelopes have none. */
        private Map<String, String> headers = Map.of();
        private boolean ownsHeaders;
        private String correlationId;
        private UUID causationId;
        private String source;
        private URI destination;
        private URI replyTo;
        private Instant sentAt;
        private Instant scheduledTime;
        private Instant deliverBy;
        private int attempts;
        private Object message;
        private byte[] body;

        private Builder() {
        }

        private Builder(Envelope e) {
            id = e.id;
            messageType = e.messageType;
            contentType = e.contentType;
            headers = e.headers;
            correlationId = e.correlationId;
            causationId = e.causationId;
            source = e.source;
            destination = e.destination;
            replyTo = e.replyTo;
            sentAt = e.sentAt;
            scheduledTime = e.scheduledTime;
            deliverBy = e.deliverBy;
            attempts = e.attempts;
            message = e.message;
            body = e.body;
        }

        public Builder id(UUID id) { this.id = id; return this; }
        public Builder messageType(String messageType) { this.messageType = messageType; return this; }
        public Builder contentType(String contentType) { this.contentType = contentType; return this; }
        public Builder header(String name, String value) {
            ownHeaders().put(Objects.requireNonNull(name, "header name"), Objects.requireNonNull(value, "header value"));
            return this;
        }

        /** Removes the header {@code name}, if it is set. */
        public Builder removeHeader(String name) {
            if (headers.containsKey(name)) {
                ownHeaders().remove(name);
            }
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            if (!headers.isEmpty()) {
                ownHeaders().putAll(headers);
            }
            return this;
        }

        private Map<String, String> ownHeaders() {
            if (!ownsHeaders) {
                headers = new LinkedHashMap<>(headers);
                ownsHeaders = true;
            }
            return headers;
        }
        public Builder correlationId(String correlationId) { this.correlationId = correlationId; return this; }
        public Builder causationId(UUID causationId) { this.causationId = causationId; return this; }
        public Builder source(String source) { this.source = source; return this; }
        public Builder destination(URI destination) { this.destination = destination; return this; }
        public Builder replyTo(URI replyTo) { this.replyTo = replyTo; return this; }
        public Builder sentAt(Instant sentAt) { this.sentAt = sentAt; return this; }
        public Builder scheduledTime(Instant scheduledTime) { this.scheduledTime = scheduledTime; return this; }
        public Builder deliverBy(Instant deliverBy) { this.deliverBy = deliverBy; return this; }
        public Builder attempts(int attempts) { this.attempts = attempts; return this; }
        public Builder message(Object message) { this.message = message; return this; }
        public Builder body(byte[] body) { this.body = body; return this; }

        public Envelope build() {
            return new Envelope(this);
        }
    }
}
