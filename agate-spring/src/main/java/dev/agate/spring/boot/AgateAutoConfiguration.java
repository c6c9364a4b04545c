package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.MessageBus;
import dev.agate.spi.MessageStore;
import dev.agate.spring.AgateHostLifecycle;
import dev.agate.spring.SpringHandlers;
import dev.agate.spring.SpringMessageBus;
import dev.agate.spring.SpringMessageStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Agate in a Spring Boot application: an {@link AgateHost} built from the {@code agate.*} properties
 * ({@link AgateProperties}), the handler beans of the context ({@link SpringHandlers}) and the
 * {@link AgateHostCustomizer} beans; started after the context's refresh and closed when it closes
 * ({@link AgateHostLifecycle}); and a {@link MessageBus} bean ({@link SpringMessageBus}) whose sends join the
 * application's Spring transactions.
 *
 * <p>The message store ({@link AgateStoreConfiguration}): on the application's {@code DataSource} with its
 * transaction manager when there is one {@code DataSource}; a store with a pool of its own when
 * {@code agate.store.url} is set; else none, and a host with durable endpoints keeps them in the embedded
 * default (an SQLite file). A bean of type {@link MessageStore}, {@link AgateHost} or {@link MessageBus} that
 * the application declares replaces this configuration's.
 */
@AutoConfiguration(after = {DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        TransactionAutoConfiguration.class}, afterName = "org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration")
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
        AgateHost.Builder builder = AgateHost.builder();
        new PropertiesHostCustomizer(properties, environment.getProperty("spring.application.name"), beans.getBeanClassLoader())
                .customize(builder);
        store.ifAvailable(builder::store);
        SpringHandlers.find(beans).forEach(builder::handler);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
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
        return new SpringMessageBus(host::getObject,
                messageStore instanceof SpringMessageStore spring ? spring.dataSource() : null);
    }
}
