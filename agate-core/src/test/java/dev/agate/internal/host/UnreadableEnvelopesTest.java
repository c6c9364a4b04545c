package dev.agate.internal.host;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.spi.MessageEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Envelopes that arrive as bytes (from a transport or a store) and cannot be read: each is dead-lettered
 * at once with the reason, never handled, never retried, never dropped; the queue goes on with the next.
 */
class UnreadableEnvelopesTest {
    record Ping(int n) {
    }

    static final class Handlers {
        final List<Ping> pings = new CopyOnWriteArrayList<>();

        @Handler
        void ping(Ping ping) {
            pings.add(ping);
        }
    }

    private final Handlers handlers = new Handlers();
    private final List<MessageEvent> events = new CopyOnWriteArrayList<>();
    private AgateRuntime runtime;
    private Endpoint queue;

    @BeforeEach
    void start() {
        HostConfiguration config = new HostConfiguration();
        config.handlers.add(new HostConfiguration.HandlerRegistration(handlers, List.of()));
        config.observers.add(events::add);
        runtime = AgateRuntime.create(config);
        runtime.start();
        queue = runtime.endpoints().endpoint(URI.create("local://Ping"));
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    private static Envelope bodyOnly(String type, String json) {
        return Envelope.builder().messageType(type).contentType("application/json")
                .body(json.getBytes(StandardCharsets.UTF_8)).build();
    }

    @Test
    void aBodyThatDoesNotDeserializeIsDeadLetteredAtOnceAndTheQueueGoesOn() {
        queue.send(bodyOnly("Ping", "{not json"));
        queue.send(bodyOnly("Ping", "{\"n\":2}"));

        await().until(() -> handlers.pings.size() == 1);
        await().until(() -> runtime.deadLetters().list().size() == 1);
        DeadLetter letter = runtime.deadLetters().list().get(0);
        assertThat(letter.reason()).startsWith("cannot deserialize " + Ping.class.getName());
        assertThat(letter.exceptionType()).isEqualTo("dev.agate.SerializationException");
        assertThat(letter.envelope().body()).asString(StandardCharsets.UTF_8).isEqualTo("{not json");
        assertThat(handlers.pings).containsExactly(new Ping(2));
        assertThat(events).noneMatch(e -> e.kind() == MessageEvent.Kind.STARTED && e.envelope().id().equals(letter.id()));
    }

    @Test
    void anUnknownMessageTypeIsDeadLetteredAtOnceWithThatReason() {
        queue.send(bodyOnly("NoSuchType", "{}"));

        await().until(() -> runtime.deadLetters().list().size() == 1);
        assertThat(runtime.deadLetters().list().get(0).reason())
                .isEqualTo("unknown message type 'NoSuchType': no handler or registered class has that name");
    }

    @Test
    void aDeadLetteredBodyCanBeReplayedOnceItIsReadable() {
        Envelope unreadable = bodyOnly("Ping", "{\"n\":\"not a number\"}");
        queue.send(unreadable);
        await().until(() -> runtime.deadLetters().list().size() == 1);

        // The replay resends the same bytes: still unreadable, so it comes straight back, and nothing is lost.
        assertThat(runtime.deadLetters().replay(unreadable.id())).isTrue();
        await().until(() -> runtime.deadLetters().find(unreadable.id()).isPresent());
        assertThat(handlers.pings).isEmpty();
    }
}
