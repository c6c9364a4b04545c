package dev.agate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A change to a dead letter's envelope, for edit-and-replay: a new body, headers set, headers removed. The
 * edited envelope goes back as a <em>new</em> envelope, with a new id and the header {@link #REPLACES_HEADER}
 * naming the dead letter's id, so a receiver that already handled the original does not take the new one for
 * a duplicate; the original dead letter is kept, marked replayed as the new id. Immutable.
 */
public final class EnvelopeEdit {
    /** The header of an edited envelope that names the envelope it replaces. Set by Agate; an edit may not set it. */
    public static final String REPLACES_HEADER = "agate-replaces";

    private final byte[] body;
    private final Map<String, String> headers;
    private final Set<String> removedHeaders;

    private EnvelopeEdit(Builder b) {
        if (b.body == null && b.headers.isEmpty() && b.removed.isEmpty()) {
            throw new IllegalArgumentException("an edit must change the body or a header");
        }
        this.body = b.body;
        this.headers = Map.copyOf(b.headers);
        this.removedHeaders = Set.copyOf(b.removed);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The new body, or null to keep the original. */
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** Headers set (added or replaced). */
    public Map<String, String> headers() {
        return headers;
    }

    /** Headers removed. */
    public Set<String> removedHeaders() {
        return removedHeaders;
    }

    /**
     * The edited envelope: {@code original} with this edit, the id {@code newId}, {@link #REPLACES_HEADER} set to the
     * original's id, attempts 0, and no scheduled time or expiry (a person decided to try again now). A new body
     * drops the message object, so the handler gets what the body says.
     */
    public Envelope applyTo(Envelope original, UUID newId) {
        Map<String, String> edited = new LinkedHashMap<>(original.headers());
        removedHeaders.forEach(edited::remove);
        edited.putAll(headers);
        edited.put(REPLACES_HEADER, original.id().toString());
        // A new builder rather than toBuilder(), whose headers could only be added to.
        Envelope.Builder b = Envelope.builder().id(Objects.requireNonNull(newId, "newId")).messageType(original.messageType()).contentType(original.contentType())
                .headers(edited).correlationId(original.correlationId()).causationId(original.causationId()).source(original.source())
                .destination(original.destination()).replyTo(original.replyTo()).sentAt(original.sentAt());
        if (body != null) {
            b.body(body.clone());
        } else {
            b.body(original.body()).message(original.message());
        }
        return b.build();
    }

    /** What changed, for the audit: {@code body (42 bytes), set tenant, removed trace}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (body != null) {
            parts.add("body (" + body.length + " bytes)");
        }
        if (!headers.isEmpty()) {
            parts.add("set " + String.join(",", headers.keySet().stream().sorted().toList()));
        }
        if (!removedHeaders.isEmpty()) {
            parts.add("removed " + String.join(",", removedHeaders.stream().sorted().toList()));
        }
        return String.join(", ", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnvelopeEdit e && Arrays.equals(body, e.body) && headers.equals(e.headers) && removedHeaders.equals(e.removedHeaders);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(body), headers, removedHeaders);
    }

    @Override
    public String toString() {
        return "edit: " + describe();
    }

    /** The changes of an {@link EnvelopeEdit}. */
    public static final class Builder {
        private byte[] body;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final Set<String> removed = new LinkedHashSet<>();

        private Builder() {
        }

        /** Replaces the body (in the envelope's content type). */
        public Builder body(byte[] value) {
            this.body = Objects.requireNonNull(value, "body").clone();
            return this;
        }

        /** Sets a header. */
        public Builder header(String name, String value) {
            check(name);
            Objects.requireNonNull(value, "value of header " + name);
            removed.remove(name);
            headers.put(name, value);
            return this;
        }

        /** Removes a header (nothing when the envelope has none of that name). */
        public Builder removeHeader(String name) {
            check(name);
            headers.remove(name);
            removed.add(name);
            return this;
        }

        private static void check(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a header name must not be blank");
            }
            if (name.equals(REPLACES_HEADER)) {
                throw new IllegalArgumentException("the header " + REPLACES_HEADER + " is set by Agate on an edited envelope, not by an edit");
            }
        }

        /** @throws IllegalArgumentException when it changes nothing */
        public EnvelopeEdit build() {
            return new EnvelopeEdit(this);
        }
    }
}
