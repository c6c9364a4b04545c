package dev.agate.cli;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.jdbc.JdbcMessageStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;

/** Real rows for the commands to find, written through the store's own parts. */
final class Seed {
    static final URI QUEUE = URI.create("local://payments");
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private Seed() {
    }

    /** Creates the schema at {@code url} and runs {@code work} on a started store, closed at the end. */
    static void into(String url, Consumer<JdbcMessageStore> work) {
        try (JdbcMessageStore store = JdbcMessageStore.builder(url).build()) {
            store.start();
            work.accept(store);
        }
    }

    static Envelope envelope(String type, int n) {
        return Envelope.builder().messageType(type).destination(QUEUE).sentAt(NOW).source("billing")
                .header("tenant", "acme").correlationId("order-" + n)
                .contentType("application/json").body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    /** Moves {@code envelope} to the dead letters as failed at {@code endpoint} with {@code exception}: {@code message}, at {@code failedAt}. */
    static DeadLetter deadLetter(JdbcMessageStore store, Envelope envelope, URI endpoint, String exception, String message, Instant failedAt) {
        DeadLetter letter = new DeadLetter(envelope.withAttempts(3), endpoint, exception, exception, message,
                exception + ": " + message + "\n\tat dev.example.Payments.charge(Payments.java:42)", 3, failedAt);
        store.deadLetters().moveFromInbox(letter, failedAt.plus(Duration.ofDays(7)), failedAt.plus(Duration.ofDays(7)));
        return letter;
    }

    /** Stores {@code envelope} in the inbox and moves it to the dead letters, as a failed handler would. */
    static DeadLetter deadLetter(JdbcMessageStore store, Envelope envelope) {
        store.inbox().store(null, QUEUE, List.of(envelope), 1, NOW);
        DeadLetter letter = new DeadLetter(envelope.withAttempts(3), QUEUE, "java.lang.IllegalStateException",
                "java.lang.IllegalStateException", "card declined",
                "java.lang.IllegalStateException: card declined\n\tat dev.example.Payments.charge(Payments.java:42)", 3, NOW);
        store.deadLetters().moveFromInbox(letter, NOW.plus(Duration.ofDays(7)), NOW.plus(Duration.ofDays(7)));
        return letter;
    }
}
