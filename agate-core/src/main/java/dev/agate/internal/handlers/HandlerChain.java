package dev.agate.internal.handlers;

import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.MessageContext;
import java.util.ArrayList;
import java.util.List;

/**
 * All handlers of one message class, run one after another in a single unit of work, and the error
 * policies that govern their failures: the handlers' own, then the host's global ones, then its default.
 */
public final class HandlerChain {
    private final Class<?> messageClass;
    private final List<HandlerMethod> handlers;
    private final List<ErrorPolicy> policies;

    HandlerChain(Class<?> messageClass, List<HandlerMethod> handlers, List<ErrorPolicy> policies) {
        this.messageClass = messageClass;
        this.handlers = List.copyOf(handlers);
        this.policies = List.copyOf(policies);
    }

    public boolean isEmpty() {
        return handlers.isEmpty();
    }

    public List<HandlerMethod> handlers() {
        return handlers;
    }

    /**
     * Runs every handler in registration order and returns what they returned (nulls left out). The first
     * exception stops the chain and propagates unchanged.
     */
    public List<Object> invoke(Object message, MessageContext context, Envelope envelope) throws Throwable {
        if (handlers.size() == 1) {
            Object result = handlers.get(0).invoke(message, context, envelope);
            return result == null ? List.of() : List.of(result);
        }
        List<Object> results = new ArrayList<>(2);
        for (HandlerMethod handler : handlers) {
            Object result = handler.invoke(message, context, envelope);
            if (result != null) {
                results.add(result);
            }
        }
        return results;
    }

    /** The action of the first policy that matches {@code exception}, after attempt {@code failedAttempt}. */
    public ErrorPolicy.Action decide(Throwable exception, int failedAttempt) {
        for (ErrorPolicy policy : policies) {
            if (policy.matches(exception)) {
                return policy.actionAfter(failedAttempt);
            }
        }
        throw new IllegalStateException("no error policy matched " + exception.getClass().getName()
                + " for " + messageClass.getName() + "; the default policy must match every exception");
    }
}
