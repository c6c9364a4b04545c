package dev.agate.internal.handlers;

import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.MessageContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Finds the {@code @Handler} methods of a registered object (or, for a {@code Class}, its static ones),
 * checks each signature and turns it into a {@link HandlerMethod}. Every problem is an
 * {@link IllegalArgumentException} that names the class and method, raised while the host is built.
 */
public final class HandlerScanner {
    private static final String SIGNATURE_HELP = "a handler takes the message first, then optionally a MessageContext,"
            + " an Envelope and what its unit of work's transaction offers (a java.sql.Connection, say), and returns void,"
            + " a message, an Outgoing, a collection, array or Optional of those";
    private static final MethodHandle RESOURCE;

    static {
        try {
            RESOURCE = MethodHandles.publicLookup().findVirtual(MessageContext.class, "resource",
                    MethodType.methodType(Object.class, Class.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HandlerScanner() {
    }

    /**
     * The handler methods of {@code registration}: an object (its instance and static methods) or a
     * {@code Class} (its static methods). A parameter of one of the {@code resources} types is supplied by
     * {@link MessageContext#resource(Class)}.
     */
    public static List<HandlerMethod> scan(Object registration, List<ErrorPolicy> policies, Set<Class<?>> resources) {
        boolean staticOnly = registration instanceof Class<?>;
        Class<?> type = staticOnly ? (Class<?>) registration : registration.getClass();
        List<HandlerMethod> found = new ArrayList<>();
        for (Method method : annotatedMethods(type)) {
            boolean isStatic = Modifier.isStatic(method.getModifiers());
            if (staticOnly && !isStatic) {
                throw new IllegalArgumentException("handler " + describe(method) + " is an instance method but "
                        + type.getName() + " was registered as a class: register an instance of it");
            }
            found.add(toHandler(method, isStatic ? null : registration, policies, resources));
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + " was registered as a handler but has no @Handler methods");
        }
        return found;
    }

    /** @Handler methods of the class and its superclasses; an override hides the method it overrides. */
    private static List<Method> annotatedMethods(Class<?> type) {
        Map<String, Method> bySignature = new LinkedHashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Method[] declared = c.getDeclaredMethods();
            Arrays.sort(declared, java.util.Comparator.comparing(Method::getName).thenComparing(Method::toString));
            for (Method m : declared) {
                if (m.isAnnotationPresent(Handler.class) && !m.isBridge() && !m.isSynthetic()) {
                    bySignature.putIfAbsent(m.getName() + Arrays.toString(m.getParameterTypes()), m);
                }
            }
        }
        return new ArrayList<>(bySignature.values());
    }

    private static HandlerMethod toHandler(Method method, Object target, List<ErrorPolicy> policies, Set<Class<?>> resources) {
        Class<?>[] params = method.getParameterTypes();
        checkSignature(method, params, resources);
        MethodHandle handle = unreflect(method);
        if (target != null) {
            handle = handle.bindTo(target);
        }
        // Adapt (P0, P1.., R) to (Object, MessageContext, Envelope) -> Object: widen each parameter to its
        // slot's type, derive resources from the context, then map every parameter onto its slot; the unused
        // slots are dropped.
        Class<?>[] widened = new Class<?>[params.length];
        int[] reorder = new int[params.length];
        widened[0] = Object.class;
        for (int i = 1; i < params.length; i++) {
            widened[i] = params[i];
            reorder[i] = params[i] == Envelope.class ? 2 : 1;
        }
        MethodHandle typed = handle.asType(MethodType.methodType(Object.class, widened));
        for (int i = 1; i < params.length; i++) {
            if (params[i] != Envelope.class && params[i] != MessageContext.class) {
                MethodHandle resource = MethodHandles.insertArguments(RESOURCE, 1, params[i])
                        .asType(MethodType.methodType(params[i], MessageContext.class));
                typed = MethodHandles.filterArguments(typed, i, resource);
            }
        }
        MethodHandle uniform = MethodHandles.permuteArguments(typed, HandlerMethod.UNIFORM, reorder);
        return new HandlerMethod(params[0], describe(method), uniform, policies);
    }

    private static void checkSignature(Method method, Class<?>[] params, Set<Class<?>> resources) {
        if (params.length == 0) {
            throw invalid(method, "has no parameters");
        }
        Class<?> message = params[0];
        if (message.isPrimitive() || message == MessageContext.class || message == Envelope.class) {
            throw invalid(method, "takes " + message.getSimpleName() + " first, which cannot be a message");
        }
        for (int i = 1; i < params.length; i++) {
            boolean known = params[i] == MessageContext.class || params[i] == Envelope.class || resources.contains(params[i]);
            if (!known || Arrays.asList(params).subList(1, i).contains(params[i])) {
                throw invalid(method, "has an unsupported parameter " + (i + 1) + " of type " + params[i].getName()
                        + (known ? " (given twice)" : resources.isEmpty() ? " (this host has no message store, so its handlers"
                        + " have no transaction to take a parameter from)" : " (the message store's transactions offer "
                        + resources.stream().map(Class::getName).sorted().toList() + ")"));
            }
        }
        Class<?> returned = method.getReturnType();
        if (returned.isPrimitive() && returned != void.class) {
            throw invalid(method, "returns " + returned + ", which cannot be a message");
        }
        if (Future.class.isAssignableFrom(returned) || java.util.concurrent.CompletionStage.class.isAssignableFrom(returned)) {
            throw invalid(method, "returns " + returned.getSimpleName()
                    + "; handlers run synchronously on a worker thread, so return the result itself");
        }
    }

    private static MethodHandle unreflect(Method method) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(method.getDeclaringClass(), MethodHandles.lookup());
            return lookup.unreflect(method);
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("handler " + describe(method) + " is not accessible to Agate: "
                    + e.getMessage() + " (in a named module, open its package to dev.agate.core)", e);
        }
    }

    private static IllegalArgumentException invalid(Method method, String problem) {
        return new IllegalArgumentException("handler " + describe(method) + " " + problem + "; " + SIGNATURE_HELP);
    }

    static String describe(Method method) {
        String params = Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "));
        return method.getDeclaringClass().getName() + "." + method.getName() + "(" + params + ")";
    }
}
