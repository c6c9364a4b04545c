package dev.agate.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.Envelope;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {

    @Property(tries = 500)
    void decodesWhatItEncodes(@ForAll("envelopes") Envelope envelope) {
        Envelope decoded = EnvelopeCodec.decode(EnvelopeCodec.encode(envelope));

        assertThat(decoded).usingRecursiveComparison().ignoringFields("message").isEqualTo(envelope);
        assertThat(decoded.message()).isNull();
    }

    @Property(tries = 300)
    void everyTruncationIsAClearErrorNeverAnotherException(@ForAll("envelopes") Envelope envelope,
                                                            @ForAll @IntRange(min = 0, max = 10_000) int cut) {
        byte[] bytes = EnvelopeCodec.encode(envelope);
        byte[] truncated = Arrays.copyOf(bytes, cut % bytes.length);

        assertThatThrownBy(() -> EnvelopeCodec.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 1_000)
    void randomBytesAreRejectedOrDecodedButNeverCrashTheReader(@ForAll byte[] noise) {
        try {
            EnvelopeCodec.decode(noise);
        } catch (IllegalArgumentException expected) {
            // the only failure allowed
        }
    }

    @Test
    void anAbsurdDeclaredLengthIsRefusedBeforeAnythingIsAllocated() {
        byte[] bytes = EnvelopeCodec.encode(sample());
        // The message type's length follows version (1), mask (4), id (16) and attempts (4).
        ByteBuffer.wrap(bytes).putInt(25, Integer.MAX_VALUE);

        assertThatThrownBy(() -> EnvelopeCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("message type length declares 2147483647 but only");
    }

    @Test
    void aTimeOutsideTheRangeOfInstantIsRefused() {
        Envelope envelope = Envelope.builder().messageType("P").sentAt(Instant.EPOCH).body(new byte[0]).build();
        byte[] bytes = EnvelopeCodec.encode(envelope);
        // version, mask, id, attempts, type "P" (4 + 1): the sent time's seconds follow.
        ByteBuffer.wrap(bytes).putLong(1 + 4 + 16 + 4 + 5, Long.MAX_VALUE);

        assertThatThrownBy(() -> EnvelopeCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid time " + Long.MAX_VALUE);
    }

    @Test
    void anUnknownVersionIsRefusedByName() {
        byte[] bytes = EnvelopeCodec.encode(sample());
        bytes[0] = 9;

        assertThatThrownBy(() -> EnvelopeCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown envelope format version 9 (this reader knows 1)");
    }

    @Test
    void refusesToEncodeAnEnvelopeWithoutBody() {
        Envelope noBody = Envelope.builder().messageType("Ping").message(new Object()).build();

        assertThatThrownBy(() -> EnvelopeCodec.encode(noBody)).hasMessageContaining("has no serialized body");
    }

    private static Envelope sample() {
        return Envelope.builder().messageType("Ping").body(new byte[] {1, 2, 3}).build();
    }

    @Provide
    Arbitrary<Envelope> envelopes() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
        Arbitrary<String> nonEmpty = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> optionalText = text.injectNull(0.3);
        Arbitrary<URI> uri = Arbitraries.of("local://orders", "tcp://127.0.0.1:2201", "rabbitmq://queue/a-b").map(URI::create).injectNull(0.3);
        Arbitrary<Instant> time = Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n))).injectNull(0.3);
        Arbitrary<Map<String, String>> headers = Arbitraries.maps(nonEmpty, text).ofMaxSize(4);
        Arbitrary<UUID> causation = Arbitraries.create(UUID::randomUUID).injectNull(0.5);
        Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Combinators.combine(nonEmpty, optionalText, optionalText, uri, uri, time, time, headers)
                .flatAs((type, contentType, correlation, destination, replyTo, sentAt, scheduled, hs) ->
                        Combinators.combine(causation, time, body, Arbitraries.integers().between(0, 100)).as((cause, deliverBy, bytes, attempts) ->
                                Envelope.builder().messageType(type).contentType(contentType).correlationId(correlation)
                                        .source(contentType).destination(destination).replyTo(replyTo).causationId(cause)
                                        .sentAt(sentAt).scheduledTime(scheduled).deliverBy(deliverBy).headers(hs)
                                        .attempts(attempts).body(bytes).build()));
    }
}
