package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Envelopes for tests, and a field-by-field comparison. */
final class Envelopes {

    private Envelopes() {
    }

    static Envelope envelope(int n) {
        return Envelope.builder()
                .messageType("PingMessage")
                .contentType("application/json")
                .header("tenant", "t-" + n)
                .header("ünïcode", "✓ " + n)
                .correlationId("corr-" + n)
                .causationId(UUID.randomUUID())
                .source("pinger")
                .destination(URI.create("tcp://localhost:2201"))
                .replyTo(URI.create("tcp://localhost:2202"))
                .sentAt(Instant.parse("2026-01-02T03:04:05.123456789Z"))
                .scheduledTime(n % 2 == 0 ? null : Instant.parse("2026-02-03T00:00:00Z"))
                .attempts(n % 3)
                .body(("{\"ping\":" + n + "}").getBytes(StandardCharsets.UTF_8))
                .build();
    }

    static List<Envelope> batch(int size) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            batch.add(envelope(i));
        }
        return batch;
    }

    static void assertSame(List<Envelope> actual, List<Envelope> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Envelope a = actual.get(i);
            Envelope e = expected.get(i);
            assertThat(a).usingRecursiveComparison().ignoringFields("message").isEqualTo(e);
            assertThat(a.body()).isEqualTo(e.body());
        }
    }
}
