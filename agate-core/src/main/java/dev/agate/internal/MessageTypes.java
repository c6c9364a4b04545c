package dev.agate.internal;

import dev.agate.MessageType;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Message-type names: class to name (the {@link MessageType} annotation or the simple class name) and,
 * for the classes this host knows, name back to class. Registration happens while the host is built; the
 * lookups are thread-safe.
 */
public final class MessageTypes {
    private static final ClassValue<String> NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            MessageType annotation = type.getAnnotation(MessageType.class);
            if (annotation == null) {
                return type.getSimpleName().isEmpty() ? type.getName() : type.getSimpleName();
            }
            if (annotation.value().isBlank()) {
                throw new IllegalArgumentException("@MessageType on " + type.getName() + " has a blank name");
            }
            return annotation.value();
        }
    };

    private final Map<String, Class<?>> byName = new ConcurrentHashMap<>();

    /** The message-type name of {@code type}. */
    public static String nameOf(Class<?> type) {
        return NAMES.get(type);
    }

    /**
     * Makes {@code type} known by its name, so envelopes that arrive with only a body can be read.
     *
     * @throws IllegalStateException when another class already has the same name
     */
    public void register(Class<?> type) {
        String name = nameOf(type);
        Class<?> previous = byName.putIfAbsent(name, type);
        if (previous != null && previous != type) {
            throw new IllegalStateException("message type name '" + name + "' is used by both " + previous.getName()
                    + " and " + type.getName() + "; give one of them another name with @MessageType");
        }
    }

    /** The class known by {@code name}. */
    public Optional<Class<?>> classFor(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
