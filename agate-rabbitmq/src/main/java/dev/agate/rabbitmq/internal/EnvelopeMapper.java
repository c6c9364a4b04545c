package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import dev.agate.Envelope;
import dev.agate.Uuid7;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Envelope to AMQP message and back, in the shape Wolverine's RabbitMQ transport writes, so that a .NET
 * Wolverine service and an Agate service can share a queue: the body is the serialized message as is
 * (JSON by default), the AMQP properties carry id ({@code message_id}), message type ({@code type}),
 * correlation id and content type, as Wolverine's {@code RabbitMqEnvelopeMapper} does, and headers named
 * as Wolverine names them carry the rest (docs/rabbitmq.md lists them). Reading also accepts those four
 * as headers ({@code id}, {@code message-type}, ...), and types a message that names no type by Spring
 * AMQP's {@code __TypeId__} (mapped, else its simple class name) or by its queue's default type.
 *
 * <p>Reading never throws: a message that cannot be read fully still becomes an envelope, marked with
 * {@link Envelope#UNREADABLE_HEADER} and the reason, so that it is persisted, acknowledged and
 * dead-lettered rather than lost or redelivered forever. Thread-safe.
 */
public final class EnvelopeMapper {
    // Wolverine's header names (its EnvelopeConstants), and what Agate writes in them.
    public static final String ID = "id";
    public static final String MESSAGE_TYPE = "message-type";
    public static final String CONTENT_TYPE = "content-type";
    public static final String CORRELATION_ID = "correlation-id";
    /** The causation (conversation) id: the envelope whose handling sent this one. */
    public static final String CONVERSATION_ID = "conversation-id";
    public static final String SOURCE = "source";
    public static final String SENT_AT = "sent-at";
    public static final String ATTEMPTS = "attempts";
    public static final String REPLY_URI = "reply-uri";
    /** Wolverine's name for the scheduled time. */
    public static final String TIME_TO_SEND = "time-to-send";
    /** Agate's: Wolverine sends deliver-by as a relative AMQP expiration, which makes the broker drop the message silently. */
    public static final String DELIVER_BY = "deliver-by";
    public static final String PROTOCOL_VERSION = "wolverine-protocol-version";
    public static final String ACCEPTED_CONTENT_TYPES = "accepted-content-types";
    /** Spring AMQP's Jackson converter: the fully qualified class name of the payload. */
    public static final String SPRING_TYPE_ID = "__TypeId__";
    static final String DEFAULT_CONTENT_TYPE = "application/json";
    /** Headers read into envelope fields, or only about the wire: not kept as the envelope's headers. */
    private static final Set<String> MAPPED = Set.of(ID, MESSAGE_TYPE, CONTENT_TYPE, CORRELATION_ID, CONVERSATION_ID, SOURCE, SENT_AT,
            ATTEMPTS, REPLY_URI, TIME_TO_SEND, "scheduled-for", DELIVER_BY, PROTOCOL_VERSION, ACCEPTED_CONTENT_TYPES, "destination");
    /** Wolverine's own format of sent-at and time-to-send: UTC, a colon before the fraction, a literal Z. */
    private static final java.time.format.DateTimeFormatter WOLVERINE_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss:[SSSSSSS][SSSSSS][SSS] 'Z'").withZone(java.time.ZoneOffset.UTC);

    private final Map<String, String> defaultTypes;
    private final Map<String, String> typeMappings;

    public EnvelopeMapper(Map<String, String> defaultTypes, Map<String, String> typeMappings) {
        this.defaultTypes = defaultTypes;
        this.typeMappings = typeMappings;
    }

    /**
     * The AMQP properties of {@code envelope}: persistent, with the properties and headers Wolverine reads.
     *
     * @throws IllegalArgumentException when a value that goes into an AMQP property (message type, correlation
     *         id, content type, source) is longer than the 255 bytes AMQP allows: that envelope cannot be sent
     */
    public AMQP.BasicProperties properties(Envelope envelope) {
        shortString(envelope, "message type", envelope.messageType());
        shortString(envelope, "correlation id", envelope.correlationId());
        shortString(envelope, "content type", envelope.contentType());
        shortString(envelope, "source", envelope.source());
        Map<String, Object> headers = new LinkedHashMap<>(envelope.headers().size() + 10);
        headers.putAll(envelope.headers());
        String contentType = envelope.contentType() != null ? envelope.contentType() : DEFAULT_CONTENT_TYPE;
        headers.put(PROTOCOL_VERSION, "1.0");
        putIfPresent(headers, CONVERSATION_ID, envelope.causationId());
        putIfPresent(headers, SOURCE, envelope.source());
        putIfPresent(headers, SENT_AT, envelope.sentAt()); // ISO-8601: Wolverine parses it after its own format
        headers.put(ATTEMPTS, Integer.toString(envelope.attempts()));
        putIfPresent(headers, REPLY_URI, envelope.replyTo());
        putIfPresent(headers, TIME_TO_SEND, envelope.scheduledTime());
        putIfPresent(headers, DELIVER_BY, envelope.deliverBy());
        headers.put(ACCEPTED_CONTENT_TYPES, DEFAULT_CONTENT_TYPE);
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .messageId(envelope.id().toString())
                .type(envelope.messageType())
                .correlationId(envelope.correlationId())
                .contentType(contentType)
                .appId(envelope.source())
                .timestamp(envelope.sentAt() == null ? null : Date.from(envelope.sentAt()))
                .headers(headers)
                .build();
    }

    /**
     * The envelope of a delivery from {@code queue}, with its body and no message object; marked unreadable
     * (with the reason) when it names no type this mapper can resolve or a header of a known name is malformed.
     */
    public Envelope envelope(String queue, AMQP.BasicProperties properties, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties.getHeaders() != null) {
            properties.getHeaders().forEach((name, value) -> {
                if (value != null) {
                    headers.put(name, text(value));
                }
            });
        }
        Envelope.Builder b = Envelope.builder().body(body == null ? new byte[0] : body);
        StringBuilder problems = new StringBuilder();
        b.id(id(first(properties.getMessageId(), headers.get(ID)), first(properties.getAppId(), headers.get(SOURCE))));
        String contentType = first(properties.getContentType(), headers.get(CONTENT_TYPE));
        b.contentType(contentType != null ? contentType : DEFAULT_CONTENT_TYPE);
        b.correlationId(first(properties.getCorrelationId(), headers.get(CORRELATION_ID)));
        b.source(first(headers.get(SOURCE), properties.getAppId()));
        String causation = headers.get(CONVERSATION_ID);
        if (causation != null) {
            b.causationId(uuid(causation, CONVERSATION_ID, problems));
        }
        Instant sentAt = instant(headers.get(SENT_AT), SENT_AT, problems);
        b.sentAt(sentAt != null ? sentAt : properties.getTimestamp() == null ? null : properties.getTimestamp().toInstant());
        b.scheduledTime(instant(first(headers.get(TIME_TO_SEND), headers.get("scheduled-for")), TIME_TO_SEND, problems));
        b.deliverBy(instant(headers.get(DELIVER_BY), DELIVER_BY, problems));
        b.replyTo(uri(headers.get(REPLY_URI), REPLY_URI, problems));
        String attempts = headers.get(ATTEMPTS);
        if (attempts != null) {
            try {
                b.attempts(Math.max(0, Integer.parseInt(attempts.trim())));
            } catch (NumberFormatException e) {
                problems.append("; header '" + ATTEMPTS + "' is not a number: '" + attempts + "'");
            }
        }
        headers.forEach((name, value) -> {
            if (!MAPPED.contains(name)) {
                b.header(name, value);
            }
        });
        String type = first(properties.getType(), headers.get(MESSAGE_TYPE));
        if (type == null || type.isBlank()) {
            String springType = headers.get(SPRING_TYPE_ID);
            if (springType != null && !springType.isBlank()) {
                type = typeMappings.getOrDefault(springType, springType.substring(springType.lastIndexOf('.') + 1).replace('$', '.'));
            } else {
                type = defaultTypes.get(queue);
            }
        } else {
            type = typeMappings.getOrDefault(type, type);
        }
        if (type == null || type.isBlank()) {
            type = "unknown";
            problems.append("; it names no message type (no '" + MESSAGE_TYPE + "' header, no AMQP type property, no '" + SPRING_TYPE_ID
                    + "' header) and queue '" + queue + "' has no default type");
        }
        b.messageType(type);
        if (!problems.isEmpty()) {
            b.header(Envelope.UNREADABLE_HEADER, "RabbitMQ message from queue '" + queue + "' cannot be read: " + problems.substring(2));
        }
        return b.build();
    }

    private static void shortString(Envelope envelope, String what, String value) {
        if (value != null && value.length() > 85 && value.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("envelope " + envelope.id() + " cannot go over AMQP: its " + what + " is longer than the "
                    + "255 bytes of an AMQP property (" + value.getBytes(StandardCharsets.UTF_8).length + " bytes)");
        }
    }

    private static void putIfPresent(Map<String, Object> headers, String name, Object value) {
        if (value != null) {
            headers.put(name, value.toString());
        }
    }

    private static String text(Object value) {
        if (value instanceof LongString s) {
            return new String(s.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof Date date) {
            return date.toInstant().toString();
        }
        return value.toString();
    }

    private static String first(String a, String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }

    /**
     * The envelope id: a UUID as given, a message id of another shape as a name-based UUID of it and its
     * producer's app id (so a redelivery maps to the same id and is recognized as a duplicate, while two
     * producers counting "1, 2, 3" do not collide), or a new id when there is none.
     */
    private static UUID id(String value, String producer) {
        if (value == null) {
            return Uuid7.next();
        }
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            return UUID.nameUUIDFromBytes(("amqp-message-id:" + (producer == null ? "" : producer) + ":" + value)
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private static UUID uuid(String value, String header, StringBuilder problems) {
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            problems.append("; header '" + header + "' is not a UUID: '" + value + "'");
            return null;
        }
    }

    /**
     * ISO-8601 with an offset ("Z" or "+01:00", up to nine fractional digits: .NET's "o" writes seven), or
     * Wolverine's own "2025-01-15 10:30:00:123456 Z".
     */
    private static Instant instant(String value, String header, StringBuilder problems) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.from(WOLVERINE_TIME.parse(text));
            } catch (DateTimeParseException again) {
                problems.append("; header '" + header + "' is not an ISO-8601 time with an offset: '" + value + "'");
                return null;
            }
        }
    }

    private static URI uri(String value, String header, StringBuilder problems) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return new URI(value.trim());
        } catch (URISyntaxException e) {
            problems.append("; header '" + header + "' is not a URI: '" + value + "'");
            return null;
        }
    }
}
