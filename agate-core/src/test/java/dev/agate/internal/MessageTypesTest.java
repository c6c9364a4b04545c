package dev.agate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.MessageType;
import org.junit.jupiter.api.Test;

class MessageTypesTest {
    record OrderPlaced(long id) {
    }

    @MessageType("orders.placed.v2")
    record Renamed(long id) {
    }

    static final class Other {
        @MessageType("OrderPlaced")
        record Clash(long id) {
        }
    }

    @Test
    void namesBySimpleClassNameUnlessAnnotated() {
        assertThat(MessageTypes.nameOf(OrderPlaced.class)).isEqualTo("OrderPlaced");
        assertThat(MessageTypes.nameOf(Renamed.class)).isEqualTo("orders.placed.v2");
    }

    @Test
    void resolvesRegisteredNamesBackToClasses() {
        MessageTypes types = new MessageTypes();
        types.register(Renamed.class);
        assertThat(types.classFor("orders.placed.v2")).contains(Renamed.class);
        assertThat(types.classFor("Unknown")).isEmpty();
    }

    @Test
    void refusesTwoClassesWithOneName() {
        MessageTypes types = new MessageTypes();
        types.register(OrderPlaced.class);
        assertThatThrownBy(() -> types.register(Other.Clash.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'OrderPlaced' is used by both")
                .hasMessageContaining(OrderPlaced.class.getName())
                .hasMessageContaining(Other.Clash.class.getName());
    }
}
