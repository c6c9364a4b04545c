package dev.agate.internal.runtime;

import dev.agate.Durability;
import dev.agate.ErrorPolicy;
import dev.agate.LocalQueue;
import dev.agate.internal.JacksonSerializer;
import dev.agate.internal.routing.RouteRule;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.MessageStore;
import dev.agate.spi.Serializer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@link dev.agate.AgateHost.Builder} collected, handed to {@link AgateRuntime#create}. A plain
 * holder filled on one thread; the runtime copies what it keeps.
 */
public final class HostConfiguration {
    /** A handler registration: an object or a class, and its own error policies. */
    public record HandlerRegistration(Object target, List<ErrorPolicy> policies) {
    }

    public String serviceName = "agate";
    public final List<HandlerRegistration> handlers = new ArrayList<>();
    public final List<RouteRule> routes = new ArrayList<>();
    public final Map<String, LocalQueue> localQueues = new LinkedHashMap<>();
    public final List<ErrorPolicy> errorPolicies = new ArrayList<>();
    public ErrorPolicy defaultErrorPolicy = ErrorPolicy.defaults();
    public final List<Class<?>> messageTypes = new ArrayList<>();
    public final List<MessageObserver> observers = new ArrayList<>();
    public Serializer serializer = new JacksonSerializer();
    public Clock clock = Clock.systemUTC();
    public Duration sendTimeout = Duration.ofSeconds(10);
    public Duration shutdownTimeout = Duration.ofSeconds(30);
    public int deadLetterCapacity = 10_000;
    public MessageStore store;
    public Durability durability = Durability.defaults();
    public boolean durableLocalQueues;
    public boolean durableSenders;
    public Duration idleSenderTimeout = Duration.ofMinutes(5);
    public final List<dev.agate.spi.Transport> transports = new ArrayList<>();
    public final List<dev.agate.Listener> listeners = new ArrayList<>();
    public final Map<String, dev.agate.Sender> senders = new LinkedHashMap<>();
}
