package dev.agate.internal.handlers;

import dev.agate.ErrorPolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every handler of the host, and the chain for each message class: the handlers whose message parameter
 * is the class or one of its supertypes, so a handler of an interface sees every message that implements
 * it. Chains are computed on first use and cached per class. Immutable after construction; thread-safe.
 */
public final class HandlerGraph {
    private final List<HandlerMethod> handlers;
    private final List<ErrorPolicy> hostPolicies;
    private final ClassValue<HandlerChain> chains = new ClassValue<>() {
        @Override
        protected HandlerChain computeValue(Class<?> type) {
            return buildChain(type);
        }
    };

    /**
     * @param handlers     in registration order
     * @param global       the host's global policies, in order
     * @param defaultPolicy the last resort; must match every exception
     */
    public HandlerGraph(List<HandlerMethod> handlers, List<ErrorPolicy> global, ErrorPolicy defaultPolicy) {
        this.handlers = List.copyOf(handlers);
        List<ErrorPolicy> host = new ArrayList<>(global);
        host.add(defaultPolicy);
        this.hostPolicies = List.copyOf(host);
    }

    /** The chain for {@code messageClass}; {@link HandlerChain#isEmpty() empty} when nothing handles it. */
    public HandlerChain chainFor(Class<?> messageClass) {
        return chains.get(messageClass);
    }

    public boolean handles(Class<?> messageClass) {
        return !chainFor(messageClass).isEmpty();
    }

    /** The message classes named by handler parameters. */
    public Set<Class<?>> messageClasses() {
        Set<Class<?>> classes = new LinkedHashSet<>();
        handlers.forEach(h -> classes.add(h.messageClass()));
        return classes;
    }

    private HandlerChain buildChain(Class<?> type) {
        List<HandlerMethod> matching = new ArrayList<>();
        for (HandlerMethod handler : handlers) {
            if (handler.messageClass().isAssignableFrom(type)) {
                matching.add(handler);
            }
        }
        return new HandlerChain(matching, hostPolicies);
    }
}
