package dev.agate.internal.handlers;

import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.MessageContext;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * One {@code @Handler} method, ready to call. The method handle is adapted once, when the host is built,
 * to {@code (Object message, MessageContext, Envelope) -> Object}, so a call is a single
 * {@code invokeExact} with no reflection and no argument arrays.
 */
public final class HandlerMethod {
    static final java.lang.invoke.MethodType UNIFORM =
            java.lang.invoke.MethodType.methodType(Object.class, Object.class, MessageContext.class, Envelope.class);

    private final Class<?> messageClass;
    private final String description;
    private final MethodHandle invoker;
    private final List<ErrorPolicy> policies;

    HandlerMethod(Class<?> messageClass, String description, MethodHandle invoker, List<ErrorPolicy> policies) {
        if (!invoker.type().equals(UNIFORM)) {
            throw new IllegalArgumentException("invoker of " + description + " has type " + invoker.type());
        }
        this.messageClass = messageClass;
        this.description = description;
        this.invoker = invoker;
        this.policies = List.copyOf(policies);
    }

    /** The class of the first parameter. */
    public Class<?> messageClass() {
        return messageClass;
    }

    /** {@code com.example.OrderHandler.handle(OrderPlaced)}: for errors and logs. */
    public String description() {
        return description;
    }

    /** The error policies registered with this handler's object, in order. */
    public List<ErrorPolicy> policies() {
        return policies;
    }

    /** Calls the method; what it throws passes through unchanged. */
    public Object invoke(Object message, MessageContext context, Envelope envelope) throws Throwable {
        return (Object) invoker.invokeExact(message, context, envelope);
    }

    @Override
    public String toString() {
        return description;
    }
}
