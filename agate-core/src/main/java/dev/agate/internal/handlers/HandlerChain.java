package dev.agate.internal.handlers;

import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.MessageContext;
import java.util.ArrayList;
import java.util.List;

/**
 * All handlers of one message class, run one after another in a single unit of work. A failure is
 * governed by the policies of the handler that threw it, then by the host's global policies and default.
 */
public final class HandlerChain {
    private final List<HandlerMethod> handlers;
    private final List<ErrorPolicy> hostPolicies;

    HandlerChain(List<HandlerMethod> handlers, List<ErrorPolicy> hostPolicies) {
        this.handlers = List.copyOf(handlers);
        this.hostPolicies = List.copyOf(hostPolicies);
    }

    /** A handler threw: which one, and what. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient HandlerMethod handler;

        Failure(HandlerMethod handler, Throwable cause) {
            super(handler.description() + " threw " + cause, cause, false, false);
            this.handler = handler;
        }

        public HandlerMethod handler() {
            return handler;
        }
    }

    public boolean isEmpty() {
        return handlers.isEmpty();
    }

    public List<HandlerMethod> handlers() {
        return handlers;
    }

    /**
     * Runs every handler in registration order and returns what they returned (nulls left out). The first
     * exception stops the chain.
     *
     * @throws Failure naming the handler that threw; its cause is the exception, unchanged
     */
    public List<Object> invoke(Object message, MessageContext context, Envelope envelope) throws Failure {
        List<Object> results = handlers.size() == 1 ? null : new ArrayList<>(2);
        for (HandlerMethod handler : handlers) {
            Object result;
            try {
                result = handler.invoke(message, context, envelope);
            } catch (Throwable t) {
                // Errors too, even a VirtualMachineError: the attempt must be rolled back and its connection
                // returned; the executor decides what an Error means for the host.
                throw new Failure(handler, t);
            }
            if (results == null) {
                return result == null ? List.of() : List.of(result);
            }
            if (result != null) {
                results.add(result);
            }
        }
        return results;
    }

    /**
     * The action of the first policy that matches {@code exception} after attempt {@code failedAttempt}:
     * the failing handler's own policies first (none when {@code failedHandler} is null), then the host's.
     */
    public ErrorPolicy.Action decide(Throwable exception, HandlerMethod failedHandler, int failedAttempt) {
        if (failedHandler != null) {
            for (ErrorPolicy policy : failedHandler.policies()) {
                if (policy.matches(exception)) {
                    return policy.actionAfter(failedAttempt);
                }
            }
        }
        for (ErrorPolicy policy : hostPolicies) {
            if (policy.matches(exception)) {
                return policy.actionAfter(failedAttempt);
            }
        }
        throw new IllegalStateException("no error policy matched " + exception.getClass().getName()
                + "; the default policy must match every exception");
    }
}
