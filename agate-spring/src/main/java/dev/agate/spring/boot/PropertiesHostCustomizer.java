package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.LocalQueue;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

/**
 * Applies the {@code agate.*} properties to a host's builder: the first customizer, before the application's.
 * Local queues are durable by default when the host has a store; one kept in memory is said once, at start.
 */
final class PropertiesHostCustomizer implements AgateHostCustomizer {
    private static final Logger log = LoggerFactory.getLogger(PropertiesHostCustomizer.class);
    /** The store start timeout of a Spring Boot application: a wrong URL or login fails the start within it. */
    static final Duration STORE_START_TIMEOUT = Duration.ofSeconds(10);

    private final AgateProperties properties;
    private final String applicationName;
    private final ClassLoader classLoader;
    /** Whether local queues not declared otherwise are durable. */
    private final boolean durableByDefault;

    /** @param hasStore whether the host gets a message store (the default of agate.durable-local-queues) */
    PropertiesHostCustomizer(AgateProperties properties, String applicationName, ClassLoader classLoader, boolean hasStore) {
        this.properties = properties;
        this.applicationName = applicationName;
        this.classLoader = classLoader;
        this.durableByDefault = properties.getDurableLocalQueues() != null ? properties.getDurableLocalQueues() : hasStore;
        if (hasStore && !durableByDefault) {
            log.info("agate.durable-local-queues=false: local queues not declared durable keep their messages in memory, where"
                    + " a stop or a crash loses them");
        }
    }

    @Override
    public void customize(AgateHost.Builder builder) {
        String serviceName = properties.getServiceName() != null ? properties.getServiceName() : applicationName;
        if (serviceName != null) {
            builder.serviceName(serviceName);
        }
        if (durableByDefault) {
            builder.durableLocalQueues();
        }
        if (properties.getSendTimeout() != null) {
            builder.sendTimeout(properties.getSendTimeout());
        }
        if (properties.getShutdownTimeout() != null) {
            builder.shutdownTimeout(properties.getShutdownTimeout());
        }
        properties.getLocalQueues().forEach((name, queue) -> builder.localQueue(localQueue(name, queue)));
        properties.getRoutes().forEach((type, endpoints) -> route(builder, type, endpoints));
        for (int i = 0; i < properties.getListeners().size(); i++) {
            builder.listener(listener(i, properties.getListeners().get(i)));
        }
        builder.durability(durability(properties.getDurability()));
        if (properties.getRabbitmq().isConfigured()) {
            if (!ClassUtils.isPresent("dev.agate.rabbitmq.RabbitMqTransport", classLoader)) {
                throw new AgateConfigurationException("agate.rabbitmq.* is set, but the rabbitmq:// transport is not on the class path.",
                        "Add the dependency dev.agate:agate-rabbitmq, or remove the agate.rabbitmq.* properties.");
            }
            builder.transport(RabbitMqProperties.transport(properties.getRabbitmq()));
        }
    }

    private dev.agate.Listener listener(int index, AgateProperties.Listener settings) {
        if (settings.getUri() == null || settings.getUri().isBlank()) {
            throw new AgateConfigurationException("agate.listeners[" + index + "] has no uri.",
                    "Set agate.listeners[" + index + "].uri, e.g. rabbitmq://queue/orders or tcp://0.0.0.0:2201.");
        }
        dev.agate.Listener.Builder listener = dev.agate.Listener.at(settings.getUri());
        if (settings.getQueue() != null) {
            listener.queue(settings.getQueue());
        }
        boolean durable = settings.getDurable() != null ? settings.getDurable() : durableByDefault;
        if (durable) {
            listener.durable();
        } else {
            listener.buffered();
        }
        if (settings.getReplyUri() != null) {
            listener.replyUri(settings.getReplyUri());
        }
        return listener.build();
    }

    private LocalQueue localQueue(String name, AgateProperties.LocalQueue settings) {
        LocalQueue.Builder queue = LocalQueue.builder(name);
        boolean durable = settings.getDurable() != null ? settings.getDurable() : durableByDefault;
        if (!durable && durableByDefault) {
            log.info("local://{} keeps its messages in memory (agate.local-queues.{}.durable=false): a stop or a crash loses what"
                    + " it holds", name, name);
        }
        if (durable) {
            queue.durable();
        }
        if (settings.isSequential()) {
            queue.sequential();
        }
        if (settings.getParallelism() != null) {
            queue.maximumParallelism(settings.getParallelism());
        }
        if (settings.getCapacity() != null) {
            queue.capacity(settings.getCapacity());
        }
        return queue.build();
    }

    private void route(AgateHost.Builder builder, String type, List<String> endpoints) {
        String[] uris = endpoints.stream().map(String::trim).toArray(String[]::new);
        if (type.endsWith(".*")) {
            builder.routePackage(type.substring(0, type.length() - 2), uris);
            return;
        }
        Class<?> messageClass;
        try {
            messageClass = ClassUtils.forName(type, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("agate.routes[" + type + "]: no such class (give a message class's fully"
                    + " qualified name, or a package followed by .*)", e);
        }
        builder.route(messageClass, uris);
    }

    static Durability durability(AgateProperties.Durability settings) {
        Durability durability = Durability.defaults();
        durability = settings.getDeduplicationHorizon() == null ? durability : durability.deduplicationHorizon(settings.getDeduplicationHorizon());
        durability = settings.getScheduledPollingInterval() == null ? durability
                : durability.scheduledPollingInterval(settings.getScheduledPollingInterval());
        durability = settings.getRecoveryInterval() == null ? durability : durability.recoveryInterval(settings.getRecoveryInterval());
        if (settings.getHeartbeatInterval() != null || settings.getNodeTimeout() != null) {
            Duration interval = settings.getHeartbeatInterval() != null ? settings.getHeartbeatInterval() : durability.heartbeatInterval();
            Duration timeout = settings.getNodeTimeout() != null ? settings.getNodeTimeout() : durability.nodeTimeout();
            durability = durability.heartbeat(interval, timeout);
        }
        durability = settings.getCleanupInterval() == null ? durability : durability.cleanupInterval(settings.getCleanupInterval());
        durability = settings.getDeadLetterRetention() == null ? durability
                : durability.deadLetterRetention(settings.getDeadLetterRetention());
        durability = durability.storeStartTimeout(settings.getStoreStartTimeout() != null ? settings.getStoreStartTimeout() : STORE_START_TIMEOUT);
        durability = settings.getMaxHandlingCrashes() == null ? durability : durability.maxHandlingCrashes(settings.getMaxHandlingCrashes());
        durability = settings.getHandlingBatchSize() == null ? durability : durability.handlingBatchSize(settings.getHandlingBatchSize());
        return settings.getBatchSize() == null ? durability : durability.batchSize(settings.getBatchSize());
    }

    @Override
    public String toString() {
        return "agate.* properties";
    }
}
