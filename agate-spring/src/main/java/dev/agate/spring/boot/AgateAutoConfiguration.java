package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.MessageBus;
import dev.agate.spi.MessageStore;
import dev.agate.spring.AgateHostLifecycle;
import dev.agate.spring.SpringHandlers;
import dev.agate.spring.SpringMessageBus;
import dev.agate.spring.SpringMessageStore;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.function.SingletonSupplier;

/**
 * Agate in a Spring Boot application: an {@link AgateHost} built from the {@code agate.*} properties
 * ({@link AgateProperties}), the handler beans of the context ({@link SpringHandlers}) and the
 * {@link AgateHostCustomizer} beans; started after the context's refresh and closed when it closes
 * ({@link AgateHostLifecycle}); and a {@link MessageBus} bean ({@link SpringMessageBus}) whose sends join the
 * application's Spring transactions.
 *
 * <p>The message store ({@link AgateStoreConfiguration}): on the application's {@code DataSource} with its
 * transaction manager when there is one {@code DataSource} (or one {@code @Primary}); a store with a pool of
 * its own when {@code agate.store.url} is set (logged at start-up: its sends are not atomic with the
 * application's transactions); without any {@code DataSource}, none, and a host with durable endpoints keeps
 * them in the embedded default (an SQLite file). With DataSources but no store on one of them, start-up fails
 * with an {@link AgateConfigurationException} that says why: never a silent fallback. A bean of type
 * {@link MessageStore}, {@link AgateHost} or {@link MessageBus} that the application declares replaces this
 * configuration's. An {@code agate.*} property that no setting takes fails start-up, naming it.
 */
@AutoConfiguration(afterName = {
        // By name, for both Spring Boot lines: a class literal of one line fails the annotation's introspection on the
        // other, and Agate would then run before the DataSource exists and fall back to its embedded store.
        // Spring Boot 3.x:
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration",
        "org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration",
        // Spring Boot 4.x, where they moved to a module per technology:
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
        "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration"})
@ConditionalOnClass(AgateHost.class)
@EnableConfigurationProperties(AgateProperties.class)
@Import({AgateStoreConfiguration.SeparateStore.class, AgateStoreConfiguration.ApplicationStore.class})
public class AgateAutoConfiguration {

    /**
     * The host, built but not started: {@link #agateHostLifecycle} starts it. Handler beans are created here
     * if they were not yet, so a handler bean must not depend on the host itself: give it the
     * {@link MessageBus} instead.
     */
    @Bean
    @ConditionalOnMissingBean
    public AgateHost agateHost(AgateProperties properties, ObjectProvider<MessageStore> store,
                               ObjectProvider<AgateHostCustomizer> customizers, ConfigurableListableBeanFactory beans,
                               Environment environment) {
        UnknownAgateProperties.check(environment);
        MessageStore messageStore = store.getIfAvailable();
        if (messageStore == null) {
            refuseEmbeddedFallback(beans);
        }
        AgateHost.Builder builder = AgateHost.builder();
        new PropertiesHostCustomizer(properties, environment.getProperty("spring.application.name"), beans.getBeanClassLoader(),
                messageStore != null)
                .customize(builder);
        if (messageStore != null) {
            builder.store(messageStore);
        }
        SpringHandlers.find(beans).forEach(builder::handler);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /**
     * With DataSources in the context, Agate's store must be on the application's, so that what a
     * {@code @Transactional} method sends commits and rolls back with its data: never an embedded store
     * beside it, silently. Reached when there is no store bean: several DataSources and none primary, or
     * agate-jdbc missing.
     */
    private static void refuseEmbeddedFallback(ConfigurableListableBeanFactory beans) {
        String[] dataSources = beans.getBeanNamesForType(DataSource.class, false, false);
        if (dataSources.length == 0) {
            return;
        }
        if (dataSources.length > 1) {
            throw new AgateConfigurationException("Agate keeps its messages in the application's database, so that a message sent in a"
                    + " @Transactional method commits or rolls back with the application's data; but the context has "
                    + dataSources.length + " DataSources (" + String.join(", ", dataSources) + ") and none is @Primary, so Agate"
                    + " cannot tell which one is the application's.",
                    "Mark the application's DataSource @Primary (Agate puts its tables there); or set agate.store.url to give Agate a"
                            + " database of its own (its sends are then not atomic with the application's transactions); or declare a"
                            + " MessageStore bean.");
        }
        throw new AgateConfigurationException("The context has a DataSource (" + dataSources[0] + "), but Agate's message store"
                + " cannot be put on it: agate-jdbc is not on the class path. Agate will not fall back to an embedded store beside"
                + " the application's database, whose sends would not commit or roll back with the application's data.",
                "Depend on dev.agate:agate-spring-boot-starter (or add dev.agate:agate-jdbc); or set agate.store.url; or declare a"
                        + " MessageStore bean.");
    }

    @Bean
    @ConditionalOnMissingBean
    public AgateHostLifecycle agateHostLifecycle(AgateHost host) {
        return new AgateHostLifecycle(host);
    }

    /** Joins Spring transactions on the store's {@code DataSource} when the store is a {@link SpringMessageStore}. */
    @Bean
    @ConditionalOnMissingBean(MessageBus.class)
    public SpringMessageBus agateMessageBus(ObjectProvider<AgateHost> host, ObjectProvider<MessageStore> store) {
        MessageStore messageStore = store.getIfAvailable();
        // Looked up on the first send, not now: handler beans that send are created before the host, which needs them.
        return new SpringMessageBus(SingletonSupplier.of(host::getObject),
                messageStore instanceof SpringMessageStore spring ? spring.dataSource() : null);
    }
}
