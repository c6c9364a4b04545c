package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Which scheduled messages a listing or an action is about. Every criterion left null (or no ids) matches any;
 * those given must all hold: one of the ids (at most {@link DeadLetterFilter#MAX_IDS}), the message type
 * exactly, the endpoint, due at or after {@code dueSince} and before {@code dueUntil}. Immutable;
 * {@link #toString()} is what an audit row records.
 */
public final class ScheduledFilter {
    private static final ScheduledFilter ALL = builder().build();

    private final Set<UUID> ids;
    private final String messageType;
    private final URI endpoint;
    private final Instant dueSince;
    private final Instant dueUntil;

    private ScheduledFilter(Builder b) {
        if (b.ids.size() > DeadLetterFilter.MAX_IDS) {
            throw new IllegalArgumentException("a filter names at most " + DeadLetterFilter.MAX_IDS + " ids, not " + b.ids.size()
                    + ": select the rest by type, endpoint or time");
        }
        if (b.dueSince != null && b.dueUntil != null && !b.dueSince.isBefore(b.dueUntil)) {
            throw new IllegalArgumentException("dueSince (" + b.dueSince + ") must be before dueUntil (" + b.dueUntil + ")");
        }
        this.ids = Set.copyOf(b.ids);
        this.messageType = b.messageType;
        this.endpoint = b.endpoint;
        this.dueSince = b.dueSince;
        this.dueUntil = b.dueUntil;
    }

    /** Every scheduled message. */
    public static ScheduledFilter all() {
        return ALL;
    }

    /** The scheduled messages of these envelope ids. */
    public static ScheduledFilter ids(UUID... ids) {
        return builder().ids(List.of(ids)).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().ids(ids).messageType(messageType).endpoint(endpoint).dueSince(dueSince).dueUntil(dueUntil);
    }

    /** The ids, or empty for any. */
    public Set<UUID> ids() {
        return ids;
    }

    public String messageType() {
        return messageType;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Due at or after; null for any. */
    public Instant dueSince() {
        return dueSince;
    }

    /** Due before; null for any. */
    public Instant dueUntil() {
        return dueUntil;
    }

    public boolean isAll() {
        return equals(ALL);
    }

    /** Whether {@code message} matches: the rule every store follows. */
    public boolean matches(ScheduledMessage message) {
        return (ids.isEmpty() || ids.contains(message.id()))
                && (messageType == null || messageType.equals(message.envelope().messageType()))
                && (endpoint == null || endpoint.equals(message.endpoint()))
                && (dueSince == null || !message.dueAt().isBefore(dueSince))
                && (dueUntil == null || message.dueAt().isBefore(dueUntil));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScheduledFilter f && ids.equals(f.ids) && Objects.equals(messageType, f.messageType)
                && Objects.equals(endpoint, f.endpoint) && Objects.equals(dueSince, f.dueSince) && Objects.equals(dueUntil, f.dueUntil);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ids, messageType, endpoint, dueSince, dueUntil);
    }

    /** "all", or the criteria given, as {@code type=Reminder due-until=2025-06-01T00:00:00Z}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!ids.isEmpty()) {
            parts.add("ids=" + String.join(",", ids.stream().map(UUID::toString).sorted().toList()));
        }
        if (messageType != null) {
            parts.add("type=" + messageType);
        }
        if (endpoint != null) {
            parts.add("endpoint=" + endpoint);
        }
        if (dueSince != null) {
            parts.add("due-since=" + dueSince);
        }
        if (dueUntil != null) {
            parts.add("due-until=" + dueUntil);
        }
        return parts.isEmpty() ? "all" : String.join(" ", parts);
    }

    /** Criteria of a {@link ScheduledFilter}; null (the default) matches any. */
    public static final class Builder {
        private final Set<UUID> ids = new LinkedHashSet<>();
        private String messageType;
        private URI endpoint;
        private Instant dueSince;
        private Instant dueUntil;

        private Builder() {
        }

        public Builder ids(Collection<UUID> more) {
            for (UUID id : more) {
                ids.add(Objects.requireNonNull(id, "id"));
            }
            return this;
        }

        public Builder messageType(String value) {
            this.messageType = DeadLetterFilter.text("messageType", value);
            return this;
        }

        public Builder endpoint(URI value) {
            this.endpoint = value;
            return this;
        }

        public Builder dueSince(Instant value) {
            this.dueSince = value;
            return this;
        }

        public Builder dueUntil(Instant value) {
            this.dueUntil = value;
            return this;
        }

        /** @throws IllegalArgumentException when {@code dueSince} is not before {@code dueUntil}, or too many ids */
        public ScheduledFilter build() {
            return new ScheduledFilter(this);
        }
    }
}
