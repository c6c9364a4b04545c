package dev.agate.benchmarks.jmh;

import dev.agate.internal.JacksonSerializer;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
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
 * The default serializer, {@link JacksonSerializer} as {@code AgateHost} builds it when none is given
 * ({@code HostConfiguration.serializer}), writing and reading a small record message: a long, strings, a
 * {@code BigDecimal}, an {@code Instant} (ISO-8601 through the JavaTimeModule) and a list of three strings,
 * about 150 bytes of JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SerializerBenchmark {

    /** The message. Public, as application messages usually are. */
    public record OrderPlaced(long orderId, String customerId, BigDecimal amount, String currency, Instant placedAt,
            List<String> skus) {
    }

    private JacksonSerializer serializer;
    private OrderPlaced message;
    private byte[] json;

    @Setup
    public void setUp() {
        serializer = new JacksonSerializer();
        message = new OrderPlaced(42L, "cust-7f3a9c", new BigDecimal("129.95"), "EUR",
                Instant.parse("2024-05-17T09:41:23.512Z"), List.of("SKU-1001", "SKU-2002", "SKU-3003"));
        json = serializer.serialize(message);
        if (!serializer.deserialize(json, OrderPlaced.class).equals(message)) {
            throw new IllegalStateException("the message does not survive a round trip: " + new String(json,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Message object to JSON bytes: what a send to a durable or remote endpoint pays. */
    @Benchmark
    public byte[] serialize() {
        return serializer.serialize(message);
    }

    /** JSON bytes to message object: what handling a stored or received envelope pays. */
    @Benchmark
    public OrderPlaced deserialize() {
        return serializer.deserialize(json, OrderPlaced.class);
    }
}
