package dev.agate.internal.routing;

import dev.agate.internal.MessageTypes;
import dev.agate.internal.handlers.HandlerGraph;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides where a message class goes. Explicit rules win: the endpoints of every matching rule, in rule
 * order, without duplicates. With no matching rule, a class that has a handler in this process goes to
 * the local queue named after its message type ({@code local://OrderPlaced}); otherwise it has no route.
 * Results are cached per class. Thread-safe.
 */
public final class Router {
    private final List<RouteRule> rules;
    private final HandlerGraph handlers;
    private final ClassValue<List<URI>> routes = new ClassValue<>() {
        @Override
        protected List<URI> computeValue(Class<?> type) {
            return compute(type);
        }
    };

    public Router(List<RouteRule> rules, HandlerGraph handlers) {
        this.rules = List.copyOf(rules);
        this.handlers = handlers;
    }

    /** The endpoints for {@code messageClass}; empty when there is no route. */
    public List<URI> routesFor(Class<?> messageClass) {
        return routes.get(messageClass);
    }

    /** The default local queue of a message class. */
    public static URI defaultLocalQueue(Class<?> messageClass) {
        return URI.create("local://" + MessageTypes.nameOf(messageClass));
    }

    private List<URI> compute(Class<?> type) {
        Set<URI> endpoints = new LinkedHashSet<>();
        for (RouteRule rule : rules) {
            if (rule.matches().test(type)) {
                endpoints.addAll(rule.endpoints());
            }
        }
        if (endpoints.isEmpty() && handlers.handles(type)) {
            endpoints.add(defaultLocalQueue(type));
        }
        return List.copyOf(endpoints);
    }
}
