package dev.agate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.SerializationException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class JacksonSerializerTest {
    record Order(UUID id, String customer, long cents, Instant placedAt, List<String> lines, Optional<String> note) {
    }

    record Narrow(String customer) {
    }

    private final JacksonSerializer serializer = new JacksonSerializer();

    @Property(tries = 300)
    void roundTripsRecords(@ForAll String customer, @ForAll long cents, @ForAll @Size(max = 5) List<String> lines,
                           @ForAll long epochMillis) {
        Order order = new Order(UUID.randomUUID(), customer, cents, Instant.ofEpochMilli(epochMillis), lines,
                Optional.ofNullable(customer.isEmpty() ? null : customer));
        byte[] body = serializer.serialize(order);
        assertThat(serializer.deserialize(body, Order.class)).isEqualTo(order);
    }

    @Test
    void ignoresPropertiesTheReceiverDoesNotKnow() {
        byte[] body = "{\"customer\":\"ada\",\"addedLater\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(serializer.deserialize(body, Narrow.class)).isEqualTo(new Narrow("ada"));
    }

    @Test
    void reportsABodyThatIsNotJsonWithTheTargetType() {
        byte[] garbage = {(byte) 0xff, 0x00, 0x13};
        assertThatThrownBy(() -> serializer.deserialize(garbage, Order.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("cannot deserialize " + Order.class.getName());
    }

    @Test
    void reportsJsonNullAsUnreadable() {
        assertThatThrownBy(() -> serializer.deserialize("null".getBytes(StandardCharsets.UTF_8), Order.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining("JSON null");
    }
}
