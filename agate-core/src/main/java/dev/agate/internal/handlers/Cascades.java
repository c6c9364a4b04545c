package dev.agate.internal.handlers;

import dev.agate.Outgoing;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns what handlers returned into the messages to send. */
public final class Cascades {
    private Cascades() {
    }

    /**
     * Flattens handler results: an {@link Outgoing} stays as it is, a collection, array or Optional is
     * opened (recursively), nulls and empty Optionals are dropped, anything else is a message.
     */
    public static List<Outgoing> flatten(List<Object> results) {
        if (results.isEmpty()) {
            return List.of();
        }
        List<Outgoing> out = new ArrayList<>(results.size());
        for (Object result : results) {
            add(result, out);
        }
        return out;
    }

    private static void add(Object value, List<Outgoing> out) {
        if (value == null) {
            return;
        }
        if (value instanceof Outgoing outgoing) {
            out.add(outgoing);
        } else if (value instanceof Optional<?> optional) {
            optional.ifPresent(v -> add(v, out));
        } else if (value instanceof Iterable<?> iterable) {
            iterable.forEach(v -> add(v, out));
        } else if (value instanceof Object[] array) {
            for (Object v : array) {
                add(v, out);
            }
        } else {
            out.add(Outgoing.of(value));
        }
    }
}
