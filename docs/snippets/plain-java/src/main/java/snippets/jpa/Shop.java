package snippets.jpa;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jpa.JpaMessageStore;
import dev.agate.jpa.JpaOutbox;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;

// docs/jpa.md: a host whose handlers take an EntityManager, and the outbox in an EntityManager's transaction.

record OrderPlaced(long id) {}
record Deposit(long id, String account, long amount) {}
record Receipt(long depositId) {}

@Entity
@Table(name = "orders")
class Order {
    @Id
    private long id;

    protected Order() {
    }

    Order(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }
}

@Entity
class Account {
    @Id
    private String name;
    private long balance;

    protected Account() {
    }

    void credit(long amount) {
        balance += amount;
    }
}

class Accounts {
    @Handler
    Receipt on(Deposit deposit, EntityManager em) {
        em.find(Account.class, deposit.account()).credit(deposit.amount());
        return new Receipt(deposit.id());
    }
}

final class Shop {
    private final DataSource dataSource;

    Shop(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Setting it up. */
    AgateHost start() {
        JdbcMessageStore jdbc = JdbcMessageStore.builder(dataSource, "jdbc:postgresql://db/shop").build();
        Configuration configuration = new Configuration().addAnnotatedClass(Order.class);
        configuration.getProperties().put(AvailableSettings.DATASOURCE, dataSource);
        SessionFactory entityManagerFactory = configuration.buildSessionFactory(); // or a persistence unit's: any Hibernate EMF

        AgateHost host = AgateHost.builder()
                .serviceName("shop")
                .handlers(new Accounts())
                .durableLocalQueues()
                .store(JpaMessageStore.of(jdbc, entityManagerFactory))
                .start();
        return host;
    }

    /** The outbox. */
    static void place(AgateHost host, SessionFactory entityManagerFactory, Order order) {
        EntityManager em = entityManagerFactory.createEntityManager();
        try {
            em.getTransaction().begin();
            em.persist(order);
            JpaOutbox.join(host, em).send(new OrderPlaced(order.id()));
            em.getTransaction().commit();
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }
}
