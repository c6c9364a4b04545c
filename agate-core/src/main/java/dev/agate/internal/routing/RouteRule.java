package dev.agate.internal.routing;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One explicit routing rule: the message classes it matches, and where they go.
 *
 * @param description for errors and diagnostics, e.g. {@code type OrderPlaced}
 * @param matches     which message classes the rule applies to
 * @param endpoints   the endpoint URIs
 */
public record RouteRule(String description, Predicate<Class<?>> matches, List<URI> endpoints) {
    public RouteRule {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(matches, "matches");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("route " + description + " names no endpoint");
        }
        endpoints = List.copyOf(endpoints);
    }

    /** Messages of exactly this class or a subclass. */
    public static RouteRule forType(Class<?> type, List<URI> endpoints) {
        return new RouteRule("type " + type.getName(), type::isAssignableFrom, endpoints);
    }

    /** Messages whose class is in this package or one below it. */
    public static RouteRule forPackage(String packageName, List<URI> endpoints) {
        String prefix = packageName + ".";
        return new RouteRule("package " + packageName,
                c -> c.getPackageName().equals(packageName) || c.getPackageName().startsWith(prefix), endpoints);
    }
}
