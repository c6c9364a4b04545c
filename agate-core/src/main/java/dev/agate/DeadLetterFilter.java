package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Which dead letters a listing or an action is about. Every criterion left null (or no ids) matches any dead
 * letter; those given must all hold. {@link #all()} matches every dead letter. Immutable; {@link #toString()}
 * is what an audit row records.
 *
 * <ul>
 *   <li>{@code ids}: one of these envelope ids (at most {@link #MAX_IDS})</li>
 *   <li>{@code messageType}: this message type, exactly</li>
 *   <li>{@code exceptionType}: this exception class name, exactly (as {@link DeadLetter#exceptionType()})</li>
 *   <li>{@code exceptionMessage}: the exception's message contains this text, ignoring case (SQLite ignores the
 *       case of ASCII letters only); a dead letter without a message does not match</li>
 *   <li>{@code endpoint}: failed at this endpoint</li>
 *   <li>{@code since}, {@code until}: failed at or after {@code since}, and before {@code until}</li>
 *   <li>{@code replayed}: true for replayed ones only, false for those not replayed</li>
 * </ul>
 */
public final class DeadLetterFilter {
    /** The most ids one filter may name: a selection made by hand, not a bulk export. */
    public static final int MAX_IDS = 1000;
    private static final DeadLetterFilter ALL = builder().build();

    private final Set<UUID> ids;
    private final String messageType;
    private final String exceptionType;
    private final String exceptionMessage;
    private final URI endpoint;
    private final Instant since;
    private final Instant until;
    private final Boolean replayed;

    private DeadLetterFilter(Builder b) {
        if (b.ids.size() > MAX_IDS) {
            throw new IllegalArgumentException("a filter names at most " + MAX_IDS + " ids, not " + b.ids.size()
                    + ": select the rest by type, exception, endpoint or time");
        }
        if (b.since != null && b.until != null && !b.since.isBefore(b.until)) {
            throw new IllegalArgumentException("since (" + b.since + ") must be before until (" + b.until + ")");
        }
        this.ids = Set.copyOf(b.ids);
        this.messageType = b.messageType;
        this.exceptionType = b.exceptionType;
        this.exceptionMessage = b.exceptionMessage;
        this.endpoint = b.endpoint;
        this.since = b.since;
        this.until = b.until;
        this.replayed = b.replayed;
    }

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return ALL;
    }

    /** The dead letters of these envelope ids. */
    public static DeadLetterFilter ids(UUID... ids) {
        return builder().ids(List.of(ids)).build();
    }

    /** The dead letters of these envelope ids. */
    public static DeadLetterFilter ids(Collection<UUID> ids) {
        return builder().ids(ids).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this filter's criteria, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder().ids(ids).messageType(messageType).exceptionType(exceptionType).exceptionMessage(exceptionMessage)
                .endpoint(endpoint).since(since).until(until);
        b.replayed = replayed;
        return b;
    }

    /** The ids, or empty for any. */
    public Set<UUID> ids() {
        return ids;
    }

    public String messageType() {
        return messageType;
    }

    public String exceptionType() {
        return exceptionType;
    }

    /** Text the exception message contains, ignoring case. */
    public String exceptionMessage() {
        return exceptionMessage;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Failed at or after; null for any. */
    public Instant since() {
        return since;
    }

    /** Failed before; null for any. */
    public Instant until() {
        return until;
    }

    /** True: replayed ones only; false: not replayed ones only; null: both. */
    public Boolean replayed() {
        return replayed;
    }

    /** Whether it matches every dead letter. */
    public boolean isAll() {
        return equals(ALL);
    }

    /** Whether {@code letter} matches: the rule every store follows. */
    public boolean matches(DeadLetter letter) {
        return (ids.isEmpty() || ids.contains(letter.id()))
                && (messageType == null || messageType.equals(letter.envelope().messageType()))
                && (exceptionType == null || exceptionType.equals(letter.exceptionType()))
                && (exceptionMessage == null || (letter.exceptionMessage() != null
                        && letter.exceptionMessage().toLowerCase(Locale.ROOT).contains(exceptionMessage.toLowerCase(Locale.ROOT))))
                && (endpoint == null || endpoint.equals(letter.endpoint()))
                && (since == null || !letter.failedAt().isBefore(since))
                && (until == null || letter.failedAt().isBefore(until))
                && (replayed == null || replayed == letter.isReplayed());
    }

    /** The same filter, for dead letters not replayed only. */
    public DeadLetterFilter notReplayed() {
        Builder b = toBuilder();
        b.replayed = Boolean.FALSE;
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterFilter f && ids.equals(f.ids) && Objects.equals(messageType, f.messageType)
                && Objects.equals(exceptionType, f.exceptionType) && Objects.equals(exceptionMessage, f.exceptionMessage)
                && Objects.equals(endpoint, f.endpoint) && Objects.equals(since, f.since) && Objects.equals(until, f.until)
                && Objects.equals(replayed, f.replayed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ids, messageType, exceptionType, exceptionMessage, endpoint, since, until, replayed);
    }

    /** "all", or the criteria given, as {@code type=Charge exception=java.lang.IllegalStateException}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!ids.isEmpty()) {
            parts.add("ids=" + String.join(",", ids.stream().map(UUID::toString).sorted().toList()));
        }
        add(parts, "type", messageType);
        add(parts, "exception", exceptionType);
        add(parts, "message~", exceptionMessage == null ? null : "'" + exceptionMessage + "'");
        add(parts, "endpoint", endpoint);
        add(parts, "since", since);
        add(parts, "until", until);
        add(parts, "replayed", replayed);
        return parts.isEmpty() ? "all" : String.join(" ", parts);
    }

    private static void add(List<String> parts, String name, Object value) {
        if (value != null) {
            parts.add(name + "=" + value);
        }
    }

    /** Criteria of a {@link DeadLetterFilter}; null (the default) matches any. */
    public static final class Builder {
        private final Set<UUID> ids = new LinkedHashSet<>();
        private String messageType;
        private String exceptionType;
        private String exceptionMessage;
        private URI endpoint;
        private Instant since;
        private Instant until;
        private Boolean replayed;

        private Builder() {
        }

        /** Adds ids to match (any of them). */
        public Builder ids(Collection<UUID> more) {
            for (UUID id : more) {
                ids.add(Objects.requireNonNull(id, "id"));
            }
            return this;
        }

        public Builder messageType(String value) {
            this.messageType = text("messageType", value);
            return this;
        }

        public Builder exceptionType(String value) {
            this.exceptionType = text("exceptionType", value);
            return this;
        }

        /** Text the exception message must contain, ignoring case. */
        public Builder exceptionMessage(String value) {
            this.exceptionMessage = text("exceptionMessage", value);
            return this;
        }

        public Builder endpoint(URI value) {
            this.endpoint = value;
            return this;
        }

        /** Failed at or after. */
        public Builder since(Instant value) {
            this.since = value;
            return this;
        }

        /** Failed before. */
        public Builder until(Instant value) {
            this.until = value;
            return this;
        }

        /** True: replayed ones only; false: not replayed ones only; null: both. */
        public Builder replayed(Boolean value) {
            this.replayed = value;
            return this;
        }

        /** @throws IllegalArgumentException when {@code since} is not before {@code until}, or too many ids */
        public DeadLetterFilter build() {
            return new DeadLetterFilter(this);
        }
    }

    static String text(String name, String value) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank; leave it null to match any");
        }
        return value;
    }
}
