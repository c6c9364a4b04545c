package dev.agate.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of the AMQP mapping against messages shaped as Wolverine's RabbitMQ transport and Spring
 * AMQP's RabbitTemplate (Jackson converter) publish them (read from their sources: Wolverine's
 * RabbitMqEnvelopeMapper and EnvelopeConstants; Spring AMQP's DefaultJackson2JavaTypeMapper), header
 * values as the client hands them over (LongString).
 */
class EnvelopeMapperTest {
    private final EnvelopeMapper mapper = new EnvelopeMapper(Map.of("orders", "OrderPlaced"),
            Map.of("MyApp.Messages.OrderPlaced", "OrderPlaced", "com.acme.Shipment", "ShipmentMade"));

    private static Map<String, Object> wire(Map<String, String> headers) {
        Map<String, Object> wire = new LinkedHashMap<>();
        headers.forEach((name, value) -> wire.put(name, LongStringHelper.asLongString(value)));
        return wire;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWolverinePublishIsReadWithItsIdTypeCorrelationConversationSourceSentAtAndReplyUri() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("wolverine-protocol-version", "1.0");
        headers.put("conversation-id", "0190f1a2-3b4c-4d5e-8f60-718293a4b5c6");
        headers.put("source", "OrderService");
        headers.put("sent-at", "2025-01-15 10:30:00:123456 Z");
        headers.put("attempts", "0");
        headers.put("accepted-content-types", "application/json");
        headers.put("reply-uri", "rabbitmq://queue/wolverine.response.node1");
        headers.put("parent-id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        headers.put("tenant-id", "acme");
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId("0190f1a2-3b4c-4d5e-8f60-718293a4b5c7")
                .type("MyApp.Messages.OrderPlaced").correlationId("4bf92f3577b34da6a3ce929d0e0e4736").contentType("application/json")
                .deliveryMode(1).headers(wire(headers)).build();

        Envelope envelope = mapper.envelope("orders-in", properties, json("{\"orderId\":1}"));

        assertThat(envelope.id()).isEqualTo(UUID.fromString("0190f1a2-3b4c-4d5e-8f60-718293a4b5c7"));
        assertThat(envelope.messageType()).as("mapped from Wolverine's type name").isEqualTo("OrderPlaced");
        assertThat(envelope.correlationId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(envelope.causationId()).isEqualTo(UUID.fromString("0190f1a2-3b4c-4d5e-8f60-718293a4b5c6"));
        assertThat(envelope.source()).isEqualTo("OrderService");
        assertThat(envelope.sentAt()).isEqualTo(Instant.parse("2025-01-15T10:30:00.123456Z"));
        assertThat(envelope.replyTo()).isEqualTo(URI.create("rabbitmq://queue/wolverine.response.node1"));
        assertThat(envelope.attempts()).isZero();
        assertThat(envelope.contentType()).isEqualTo("application/json");
        assertThat(envelope.headers()).as("the rest kept as they came; the wire's own not")
                .containsExactly(Map.entry("parent-id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                        Map.entry("tenant-id", "acme"));
        assertThat(new String(envelope.body(), StandardCharsets.UTF_8)).isEqualTo("{\"orderId\":1}");
    }

    @Test
    void aWolverineScheduledTimeInIsoRoundTripFormatIsRead() {
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId(UUID.randomUUID().toString()).type("Reminder")
                .headers(wire(Map.of("time-to-send", "2026-12-06T18:40:59.1234567+00:00", "sent-at", "2026-12-06T18:00:00.0000000Z")))
                .build();
        Envelope envelope = mapper.envelope("reminders", properties, json("{}"));
        assertThat(envelope.scheduledTime()).isEqualTo(Instant.parse("2026-12-06T18:40:59.123456700Z"));
        assertThat(envelope.sentAt()).isEqualTo(Instant.parse("2026-12-06T18:00:00Z"));
        assertThat(envelope.headers()).doesNotContainKey(Envelope.UNREADABLE_HEADER);
    }

    @Test
    void aSpringAmqpMessageIsTypedByItsTypeIdMappedOrBySimpleClassName() {
        AMQP.BasicProperties mapped = new AMQP.BasicProperties.Builder().contentType("application/json").contentEncoding("UTF-8")
                .deliveryMode(2).priority(0).headers(wire(Map.of("__TypeId__", "com.acme.Shipment"))).build();
        AMQP.BasicProperties unmapped = new AMQP.BasicProperties.Builder().contentType("application/json")
                .headers(wire(Map.of("__TypeId__", "com.acme.orders.OrderPlaced"))).build();

        Envelope first = mapper.envelope("shipments", mapped, json("{\"id\":3}"));
        Envelope second = mapper.envelope("shipments", unmapped, json("{\"id\":4}"));

        assertThat(first.messageType()).isEqualTo("ShipmentMade");
        assertThat(second.messageType()).isEqualTo("OrderPlaced");
        assertThat(first.headers()).containsEntry("__TypeId__", "com.acme.Shipment").doesNotContainKey(Envelope.UNREADABLE_HEADER);
        assertThat(first.id()).as("Spring sets no message id: a new one").isNotNull().isNotEqualTo(second.id());
    }

    @Test
    void aBareJsonBodyTakesItsQueuesDefaultTypeOrIsMarkedUnreadableWithTheReason() {
        AMQP.BasicProperties bare = new AMQP.BasicProperties.Builder().contentType("application/json").build();

        assertThat(mapper.envelope("orders", bare, json("{}")).messageType()).isEqualTo("OrderPlaced");
        Envelope untyped = mapper.envelope("elsewhere", bare, json("{}"));
        assertThat(untyped.headers().get(Envelope.UNREADABLE_HEADER)).contains("queue 'elsewhere'").contains("names no message type");
    }

    @Test
    void malformedKnownHeadersMarkTheEnvelopeUnreadableNamingEachOne() {
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().type("Ping")
                .headers(wire(Map.of("attempts", "many", "conversation-id", "not-a-uuid", "time-to-send", "tomorrow"))).build();
        String reason = mapper.envelope("q", properties, json("{}")).headers().get(Envelope.UNREADABLE_HEADER);
        assertThat(reason).contains("'attempts'").contains("'conversation-id'").contains("'time-to-send'");
    }

    @Test
    void aMessageIdThatIsNotAUuidMapsToTheSameEnvelopeIdEachTime() {
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().type("Ping").messageId("42").appId("billing").build();
        AMQP.BasicProperties otherProducer = new AMQP.BasicProperties.Builder().type("Ping").messageId("42").appId("shipping").build();
        assertThat(mapper.envelope("q", properties, json("{}")).id()).isEqualTo(mapper.envelope("q", properties, json("{}")).id())
                .as("two producers counting from 1 do not collide").isNotEqualTo(mapper.envelope("q", otherProducer, json("{}")).id());
    }

    @Test
    void aValueTooLongForAnAmqpPropertyIsRefusedBeforeAnythingIsPublished() {
        Envelope envelope = Envelope.builder().messageType("T".repeat(256)).body(json("{}")).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> mapper.properties(envelope))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("message type").hasMessageContaining("255 bytes");
    }

    @Test
    void whatAgateWritesIsWhatWolverineReadsAndReadsBackTheSame() {
        Envelope sent = Envelope.builder().messageType("OrderPlaced").body(json("{\"orderId\":9}")).contentType("application/json")
                .correlationId("c-1").causationId(UUID.randomUUID()).source("orders").sentAt(Instant.parse("2026-12-06T18:40:59.123456Z"))
                .scheduledTime(Instant.parse("2026-12-07T00:00:00Z")).deliverBy(Instant.parse("2026-12-08T00:00:00Z"))
                .replyTo(URI.create("rabbitmq://queue/replies")).attempts(2).header("tenant-id", "acme").build();

        AMQP.BasicProperties properties = mapper.properties(sent);

        assertThat(properties.getMessageId()).isEqualTo(sent.id().toString());
        assertThat(properties.getType()).isEqualTo("OrderPlaced");
        assertThat(properties.getCorrelationId()).isEqualTo("c-1");
        assertThat(properties.getContentType()).isEqualTo("application/json");
        assertThat(properties.getDeliveryMode()).as("persistent").isEqualTo(2);
        assertThat(properties.getExpiration()).as("no broker TTL: an expired message is discarded by Agate, with a trace").isNull();
        assertThat(properties.getHeaders()).containsEntry("wolverine-protocol-version", "1.0")
                .containsEntry("conversation-id", sent.causationId().toString()).containsEntry("source", "orders")
                .containsEntry("sent-at", "2026-12-06T18:40:59.123456Z").containsEntry("attempts", "2")
                .containsEntry("reply-uri", "rabbitmq://queue/replies").containsEntry("time-to-send", "2026-12-07T00:00:00Z")
                .containsEntry("tenant-id", "acme");

        Envelope received = mapper.envelope("orders", properties, sent.body());
        assertThat(received.id()).isEqualTo(sent.id());
        assertThat(received.messageType()).isEqualTo(sent.messageType());
        assertThat(received.correlationId()).isEqualTo(sent.correlationId());
        assertThat(received.causationId()).isEqualTo(sent.causationId());
        assertThat(received.source()).isEqualTo(sent.source());
        assertThat(received.sentAt()).isEqualTo(sent.sentAt());
        assertThat(received.scheduledTime()).isEqualTo(sent.scheduledTime());
        assertThat(received.deliverBy()).isEqualTo(sent.deliverBy());
        assertThat(received.replyTo()).isEqualTo(sent.replyTo());
        assertThat(received.attempts()).isEqualTo(2);
        assertThat(received.headers()).containsExactly(Map.entry("tenant-id", "acme"));
    }

    @Test
    void theTraceContextCrossesTheBrokerAsHeadersAndWolverinesParentIdIsKept() {
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Envelope sent = Envelope.builder().messageType("OrderPlaced").body(json("{}")).header("traceparent", traceparent)
                .header("tracestate", "vendor=1").build();
        AMQP.BasicProperties properties = mapper.properties(sent);
        assertThat(properties.getHeaders()).containsEntry("traceparent", traceparent).containsEntry("tracestate", "vendor=1");
        assertThat(mapper.envelope("orders", properties, sent.body()).headers())
                .containsEntry("traceparent", traceparent).containsEntry("tracestate", "vendor=1");

        AMQP.BasicProperties fromWolverine = new AMQP.BasicProperties.Builder().messageId(UUID.randomUUID().toString())
                .type("OrderPlaced").headers(Map.of("parent-id", traceparent)).build();
        assertThat(mapper.envelope("orders", fromWolverine, json("{}")).headers()).containsEntry("parent-id", traceparent);
    }
}
