package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.LocalQueue;
import java.time.Duration;
import java.util.List;
import org.springframework.util.ClassUtils;

/** Applies the {@code agate.*} properties to a host's builder: the first customizer, before the application's. */
final class PropertiesHostCustomizer implements AgateHostCustomizer {
    private final AgateProperties properties;
    private final String applicationName;
    private final ClassLoader classLoader;

    PropertiesHostCustomizer(AgateProperties properties, String applicationName, ClassLoader classLoader) {
        this.properties = properties;
        this.applicationName = applicationName;
        this.classLoader = classLoader;
    }

    @Override
    public void customize(AgateHost.Builder builder) {
        String serviceName = properties.getServiceName() != null ? properties.getServiceName() : applicationName;
        if (serviceName != null) {
            builder.serviceName(serviceName);
        }
        if (properties.isDurableLocalQueues()) {
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
        builder.durability(durability(properties.getDurability()));
    }

    private LocalQueue localQueue(String name, AgateProperties.LocalQueue settings) {
        LocalQueue.Builder queue = LocalQueue.builder(name);
        boolean durable = settings.getDurable() != null ? settings.getDurable() : properties.isDurableLocalQueues();
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
        durability = settings.getKeepHandledFor() == null ? durability : durability.keepHandledFor(settings.getKeepHandledFor());
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
        durability = settings.getStoreStartTimeout() == null ? durability : durability.storeStartTimeout(settings.getStoreStartTimeout());
        return settings.getBatchSize() == null ? durability : durability.batchSize(settings.getBatchSize());
    }

    @Override
    public String toString() {
        return "agate.* properties";
    }
}
