package dev.agate.benchmarks.jmh;

import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link EnvelopeCodec#encode} and {@link EnvelopeCodec#decode} of one envelope as a durable store or the
 * TCP transport sees it: every usual field set (content type, correlation and causation ids, source,
 * destination, reply-to, sent-at), three headers and a ~200-byte JSON body. Each benchmark returns its
 * result, so JMH consumes it and nothing is eliminated; run with {@code -prof gc} for bytes per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EnvelopeCodecBenchmark {
    /** A 200-byte JSON body, the size of a small business event. */
    static final String BODY = "{\"orderId\":\"ord-2024-000042\",\"customerId\":\"cust-7f3a9c\",\"amount\":\"129.95\","
            + "\"currency\":\"EUR\",\"placedAt\":\"2024-05-17T09:41:23.512Z\",\"skus\":[\"SKU-1001\",\"SKU-2002\","
            + "\"SKU-3003\"],\"channel\":\"web\",\"giftWrap\":false}";

    private Envelope envelope;
    private byte[] encoded;

    @Setup
    public void setUp() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        envelope = Envelope.builder()
                .id(UUID.fromString("018f8a3c-5b2e-7c41-9d3a-6e2f1b0c4d5e"))
                .messageType("orders.OrderPlaced")
                .contentType("application/json")
                .correlationId("checkout-5f1d2c3b-8e7a-4b6c-9d0e-1f2a3b4c5d6e")
                .causationId(UUID.fromString("018f8a3c-5a10-7b22-8c3d-4e5f6a7b8c9d"))
                .source("orders-service")
                .destination(URI.create("tcp://127.0.0.1:7101"))
                .replyTo(URI.create("tcp://127.0.0.1:7100"))
                .sentAt(Instant.parse("2024-05-17T09:41:23.512345678Z"))
                .header("tenant", "acme-eu")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .header("user", "u-193847")
                .body(body)
                .build();
        encoded = EnvelopeCodec.encode(envelope);
        if (body.length < 190 || body.length > 210) {
            throw new IllegalStateException("the body should be about 200 bytes but is " + body.length);
        }
    }

    /** Envelope to bytes: what a store write or a TCP send pays. */
    @Benchmark
    public byte[] encode() {
        return EnvelopeCodec.encode(envelope);
    }

    /** Bytes to envelope (the body stays bytes): what a store read or a TCP receive pays. */
    @Benchmark
    public Envelope decode() {
        return EnvelopeCodec.decode(encoded);
    }
}
