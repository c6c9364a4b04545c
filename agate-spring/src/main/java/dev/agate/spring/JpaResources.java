package dev.agate.spring;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.springframework.orm.jpa.EntityManagerFactoryUtils;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * What a {@link JpaTransactionManager}'s transaction offers a handler. Loaded only when the transaction
 * manager is one, so that applications without JPA need neither spring-orm nor the JPA API; for the same
 * reason its methods speak of {@code Object} and {@code Class}, not of JPA types.
 */
final class JpaResources {
    private final JpaTransactionManager transactions;

    private JpaResources(JpaTransactionManager transactions) {
        this.transactions = transactions;
    }

    /**
     * @throws IllegalArgumentException when the manager does not expose {@code dataSource}: then its
     *         transactions would not hold a connection of it, and the handled mark could not join them
     */
    static JpaResources of(PlatformTransactionManager transactions, DataSource dataSource) {
        JpaTransactionManager jpa = (JpaTransactionManager) transactions;
        if (jpa.getDataSource() != dataSource) {
            throw new IllegalArgumentException("the JpaTransactionManager exposes " + (jpa.getDataSource() == null ? "no DataSource"
                    : "the DataSource " + jpa.getDataSource()) + ", not the message store's " + dataSource
                    + ": set its dataSource to the one its EntityManagerFactory uses (Spring Boot does) and give the store that one");
        }
        return new JpaResources(jpa);
    }

    Class<?> entityManagerType() {
        return EntityManager.class;
    }

    /** The EntityManager of the transaction bound to the calling thread. */
    Object entityManager() {
        EntityManagerFactory factory = transactions.getEntityManagerFactory();
        EntityManager entityManager = factory == null ? null : EntityManagerFactoryUtils.getTransactionalEntityManager(factory);
        if (entityManager == null) {
            throw new IllegalStateException("the transaction of " + transactions + " has no EntityManager on this thread");
        }
        return entityManager;
    }
}
