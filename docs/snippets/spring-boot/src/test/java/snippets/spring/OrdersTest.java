package snippets.spring;

import dev.agate.AgateHost;
import dev.agate.testing.TrackedSession;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

// docs/spring.md, "Testing": run as it is written there.

@SpringBootTest
class OrdersTest {
    @Autowired AgateHost host;
    @Autowired Orders orders;

    @Test
    void placingAnOrderShipsIt() {
        TrackedSession session = TrackedSession.of(host).execute(bus -> orders.place(new Order(7)));

        assertThat(session.handled(OrderPlaced.class)).containsExactly(new OrderPlaced(7));
    }
}
