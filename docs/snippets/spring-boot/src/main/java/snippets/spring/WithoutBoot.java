package snippets.spring;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spring.SpringHandlers;
import dev.agate.spring.SpringMessageBus;
import dev.agate.spring.SpringMessageStore;
import jakarta.persistence.EntityManager;
import javax.sql.DataSource;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;

// docs/spring.md: the parts wired by hand, and a handler taking the transaction's EntityManager (not a
// bean here: Shipping already handles OrderPlaced in this application).

final class WithoutBoot {
    private WithoutBoot() {
    }

    static MessageBus wire(DataSource dataSource, PlatformTransactionManager transactionManager, GenericApplicationContext context) {
        JdbcMessageStore jdbc = JdbcMessageStore.builder(dataSource, "jdbc:postgresql://db/shop").build();
        AgateHost host = AgateHost.builder().store(new SpringMessageStore(jdbc, transactionManager, dataSource))
                .handlers(SpringHandlers.find(context).toArray()).build();
        MessageBus bus = new SpringMessageBus(host, dataSource);
        // register new AgateHostLifecycle(host) as a bean to start and stop it with the context
        return bus;
    }

    static final class JpaShipping {
        @Handler
        void on(OrderPlaced placed, EntityManager entityManager) {
            entityManager.persist(new Shipment(placed.orderId()));
        }
    }
}
