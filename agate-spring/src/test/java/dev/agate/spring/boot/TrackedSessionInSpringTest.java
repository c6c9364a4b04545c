package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spring.SpringTestSupport;
import dev.agate.testing.TrackedSession;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * A Spring test waits for what its own {@code @Transactional} code sends, and everything that cascades from
 * it, with agate-testing's {@link TrackedSession}: {@code TrackedSession.of(host).execute(bus -> service.call())}
 * runs the call, whose sends go through Spring's transaction, and returns once all of it was handled. No
 * sleeps, no polling; a handler that fails fails the session. (docs/spring.md, "Testing")
 */
class TrackedSessionInSpringTest {
    record PlaceOrder(int id) {
    }

    record OrderPlaced(int id) {
    }

    public static class Orders {
        private final JdbcTemplate jdbc;
        private final MessageBus bus;

        public Orders(JdbcTemplate jdbc, MessageBus bus) {
            this.jdbc = jdbc;
            this.bus = bus;
        }

        @Transactional
        public void place(int id) {
            jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
            bus.send(new PlaceOrder(id));
        }
    }

    static class Handlers {
        @Handler
        OrderPlaced on(PlaceOrder command) {
            return new OrderPlaced(command.id()); // cascaded: the session waits for it too
        }

        @Handler
        void on(OrderPlaced event) {
        }
    }

    @Test
    void aSpringTestWaitsForWhatItsTransactionalCodeSentAndWhatThatCascaded() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
                            TransactionAutoConfiguration.class, AgateAutoConfiguration.class,
                            org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration.class))
                    .withPropertyValues(SpringTestSupport.properties(db))
                    .withBean(Handlers.class)
                    .withBean(Orders.class)
                    .run(context -> {
                        context.getBean(JdbcTemplate.class).execute("CREATE TABLE orders (id INTEGER NOT NULL)");
                        Orders orders = context.getBean(Orders.class);

                        TrackedSession session = TrackedSession.of(context.getBean(AgateHost.class)).execute(bus -> orders.place(7));

                        assertThat(session.handled(PlaceOrder.class)).containsExactly(new PlaceOrder(7));
                        assertThat(session.handled(OrderPlaced.class)).containsExactly(new OrderPlaced(7));
                    });
        }
    }
}
