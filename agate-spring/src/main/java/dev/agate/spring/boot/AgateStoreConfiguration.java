package dev.agate.spring.boot;

import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.SchemaNames;
import dev.agate.spi.MessageStore;
import dev.agate.spring.SpringMessageStore;
import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.jdbc.DataSourceUnwrapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.ClassUtils;

/**
 * The message store of {@link AgateAutoConfiguration}, on {@code agate-jdbc}. Imported in this order: a
 * separate store when {@code agate.store.url} is set, else one on the application's {@code DataSource}.
 */
final class AgateStoreConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgateStoreConfiguration.class);
    private static final String JPA_MANAGER = "org.springframework.orm.jpa.JpaTransactionManager";

    private AgateStoreConfiguration() {
    }

    /** A store with its own pool on {@code agate.store.url}: its sends cannot join the application's transactions. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcMessageStore.class)
    @ConditionalOnProperty(prefix = "agate.store", name = "url")
    static class SeparateStore {

        @Bean
        @ConditionalOnMissingBean(MessageStore.class)
        JdbcMessageStore agateMessageStore(AgateProperties properties, ListableBeanFactory beans) {
            String[] dataSources = beans.getBeanNamesForType(DataSource.class, false, false);
            if (dataSources.length > 0) {
                log.warn("agate.store.url is set: Agate keeps its messages in {}, not in the application's DataSource ({}). A message"
                        + " sent in a @Transactional method is stored at once, outside that transaction: it is sent even if the"
                        + " transaction rolls back. Remove agate.store.url to keep Agate's tables in the application's database, where"
                        + " its sends commit and roll back with the application's data.", withoutQuery(properties.getStore().getUrl()),
                        String.join(", ", dataSources));
            }
            return configured(JdbcMessageStore.builder(properties.getStore().getUrl()), properties.getStore()).build();
        }
    }

    /**
     * A store on the application's {@code DataSource}, whose handler transactions are the application's
     * transaction manager's ({@link SpringMessageStore}). The {@code DataSource} is the transaction manager's
     * when it has one ({@code DataSourceTransactionManager}, {@code JpaTransactionManager}); without a
     * transaction manager, a {@code DataSourceTransactionManager} of its own runs the handler transactions.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcMessageStore.class)
    @ConditionalOnSingleCandidate(DataSource.class)
    static class ApplicationStore {

        @Bean
        @ConditionalOnMissingBean(MessageStore.class)
        SpringMessageStore agateMessageStore(AgateProperties properties, DataSource dataSource,
                                             ObjectProvider<PlatformTransactionManager> transactionManagers) {
            PlatformTransactionManager transactions = transactionManagers.getIfUnique();
            DataSource transactional = dataSourceOf(transactions);
            DataSource used = transactional != null ? transactional : dataSource;
            if (transactions == null || transactional == null) {
                transactions = new DataSourceTransactionManager(used);
            }
            return new SpringMessageStore(onApplicationDatabase(used, properties.getStore()), transactions, used);
        }
    }

    private static JdbcMessageStore onApplicationDatabase(DataSource dataSource, AgateProperties.Store settings) {
        String url = jdbcUrlOf(dataSource);
        try {
            return configured(JdbcMessageStore.builder(dataSource, url), settings).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Agate's message store cannot be on the application's DataSource (" + withoutQuery(url)
                    + "): " + e.getMessage() + "; or give it a database of its own with agate.store.url", e);
        }
    }

    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    private static JdbcMessageStore.Builder configured(JdbcMessageStore.Builder builder, AgateProperties.Store settings) {
        return builder.schemaNames(new SchemaNames(settings.getSchema(), settings.getTablePrefix()))
                .schemaMode(AgateSchema.Mode.valueOf(settings.getSchemaMode().name()));
    }

    /** The DataSource whose connection the manager's transactions hold, or null when it is not known. */
    private static DataSource dataSourceOf(PlatformTransactionManager transactions) {
        if (transactions instanceof DataSourceTransactionManager jdbc) {
            return jdbc.getDataSource();
        }
        if (transactions != null && ClassUtils.isPresent(JPA_MANAGER, transactions.getClass().getClassLoader())) {
            return Jpa.dataSourceOf(transactions);
        }
        return null;
    }

    /** Loaded only when spring-orm is there. */
    private static final class Jpa {
        static DataSource dataSourceOf(PlatformTransactionManager transactions) {
            return transactions instanceof org.springframework.orm.jpa.JpaTransactionManager jpa ? jpa.getDataSource() : null;
        }
    }

    /**
     * The JDBC URL of the application's DataSource, which tells the store its dialect: from the pool's
     * settings when it is HikariCP built from a URL (no connection needed), else from a connection.
     */
    static String jdbcUrlOf(DataSource dataSource) {
        com.zaxxer.hikari.HikariDataSource hikari = DataSourceUnwrapper.unwrap(dataSource, com.zaxxer.hikari.HikariConfigMXBean.class,
                com.zaxxer.hikari.HikariDataSource.class);
        if (hikari != null && hikari.getJdbcUrl() != null) {
            return hikari.getJdbcUrl();
        }
        try {
            return JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getURL);
        } catch (MetaDataAccessException e) {
            throw new IllegalStateException("cannot find the JDBC URL of the application's DataSource " + dataSource
                    + ", which Agate's store needs to know its database: " + e.getMessage(), e);
        }
    }
}
