package dev.agate.internal.host;

import dev.agate.Durability;
import dev.agate.EndpointMode;
import dev.agate.ErrorPolicy;
import dev.agate.Listener;
import dev.agate.LocalQueue;
import dev.agate.internal.JacksonSerializer;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.bus.Endpoints;
import dev.agate.internal.bus.Transports;
import dev.agate.internal.handlers.HandlerGraph;
import dev.agate.internal.routing.RouteRule;
import dev.agate.internal.routing.Router;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.MessageStore;
import dev.agate.spi.MessageStoreProvider;
import dev.agate.spi.Serializer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything {@link dev.agate.AgateHost.Builder} collected, handed to {@link AgateRuntime#create}, which
 * checks it and copies what it keeps. Filled on one thread.
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
    public dev.agate.spi.MessageTracer tracer;
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
    public Duration unreachableSenderTimeout = Duration.ofMinutes(10);
    public final List<dev.agate.spi.Transport> transports = new ArrayList<>();
    public final List<dev.agate.Listener> listeners = new ArrayList<>();
    public final Map<String, dev.agate.Sender> senders = new LinkedHashMap<>();

    /**
     * Checks that every endpoint the configuration names can be served, and that a listener agrees with its queue's mode.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void check(Transports transports, HandlerGraph handlers) {
        for (RouteRule rule : routes) {
            rule.endpoints().forEach(uri -> Endpoints.check(transports, uri, "route " + rule.description()));
        }
        senders.values().forEach(s -> Endpoints.check(transports, s.destination(), s.toString()));
        for (Listener listener : listeners) {
            transports.check(listener.uri(), listener.toString());
            LocalQueue queue = localQueues.get(listener.queue());
            if (queue != null && listener.mode() != null && queue.mode() != listener.mode()) {
                throw new IllegalArgumentException(listener + " is declared " + listener.mode() + " but its queue " + queue.uri()
                        + " is declared " + queue.mode());
            }
        }
        for (Class<?> handled : handlers.messageClasses()) {
            Endpoints.check(transports, defaultQueueOf(handled), "default route of " + handled.getName());
        }
    }

    private static URI defaultQueueOf(Class<?> messageClass) {
        try {
            return Router.defaultLocalQueue(messageClass);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the message type name '" + MessageTypes.nameOf(messageClass) + "' of "
                    + messageClass.getName() + " cannot name its default local queue: " + e.getMessage(), e);
        }
    }

    /** What the endpoints need to know of this configuration. */
    Endpoints.Settings endpointSettings(HandlerGraph handlers) {
        Map<String, EndpointMode> listenerQueueModes = new HashMap<>();
        listeners.stream().filter(l -> l.mode() != null).forEach(l -> listenerQueueModes.putIfAbsent(l.queue(), l.mode()));
        Set<String> routedUris = routes.stream().flatMap(r -> r.endpoints().stream()).map(URI::toString)
                .collect(Collectors.toUnmodifiableSet());
        // "local://name" of the queues this host declared, listens into, handles or routes to: it recovers their envelopes.
        Set<String> knownQueues = new HashSet<>();
        localQueues.values().forEach(q -> knownQueues.add(q.uri().toString()));
        listeners.forEach(l -> knownQueues.add("local://" + l.queue()));
        handlers.messageClasses().forEach(type -> knownQueues.add(Router.defaultLocalQueue(type).toString()));
        for (RouteRule rule : routes) {
            rule.endpoints().stream().filter(uri -> "local".equals(uri.getScheme()))
                    .forEach(uri -> knownQueues.add("local://" + Endpoints.localName(uri)));
        }
        return new Endpoints.Settings(Map.copyOf(localQueues), Map.copyOf(senders), Map.copyOf(listenerQueueModes),
                routedUris, Set.copyOf(knownQueues), durableLocalQueues, durableSenders, idleSenderTimeout,
                unreachableSenderTimeout, sendTimeout);
    }

    /** Whether anything is durable, so the host needs a message store. */
    boolean needsStore() {
        return durableLocalQueues || durableSenders
                || localQueues.values().stream().anyMatch(q -> q.mode() == EndpointMode.DURABLE)
                || listeners.stream().anyMatch(l -> l.mode() == EndpointMode.DURABLE)
                || senders.values().stream().anyMatch(s -> s.mode() == EndpointMode.DURABLE);
    }

    /** The store of the first {@link MessageStoreProvider} on the class path (agate-jdbc: embedded SQLite). */
    MessageStore defaultStore() {
        MessageStoreProvider provider = ServiceLoader.load(MessageStoreProvider.class).findFirst().orElseThrow(() ->
                new IllegalStateException("host '" + serviceName + "' has durable endpoints but no message store: add agate-jdbc"
                        + " to the class path for the embedded SQLite store, or configure AgateHost.builder().store(...)"));
        return provider.defaultStore(serviceName);
    }
}
