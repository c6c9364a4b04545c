package snippets.taste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.AgateHost;
import dev.agate.testing.TrackedSession;
import org.junit.jupiter.api.Test;

/** README.md's "A taste" and "Testing", run: placing order 42 publishes OrderPlaced(42), once. */
class TasteTest {

    @Test
    void theReadmesHostHandlesAnOrder() throws Exception {
        try (AgateHost host = Taste.orders().start()) {
            TrackedSession session = TrackedSession.of(host).send(new PlaceOrder(42));
            assertThat(session.handled(OrderPlaced.class)).containsExactly(new OrderPlaced(42));
        }
    }

    @Test
    void theReadmesMainRuns() throws Exception {
        Taste.main(new String[0]);
    }
}
