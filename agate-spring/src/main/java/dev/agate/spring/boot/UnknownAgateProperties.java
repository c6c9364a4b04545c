package dev.agate.spring.boot;

import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Finds {@code agate.*} properties that no setting of {@link AgateProperties} takes, so that a misspelt one
 * fails start-up naming it (and the closest known name) instead of being ignored. Checked: the
 * application's configuration files, the command line and properties set in code. Not checked: environment
 * variables and JVM system properties, where other tools keep {@code AGATE_*} settings of their own (the
 * command line's {@code AGATE_DB_URL}, say) that a Spring application must not trip over.
 */
final class UnknownAgateProperties {
    private static final String PREFIX = "agate";

    /**
     * A node of the settings' shape: its named children (by Spring Boot's uniform form of a name, so that
     * {@code durableLocalQueues} and {@code durable-local-queues} are one), or any name (a map's keys), or
     * anything below it (a leaf, a list).
     */
    private record Shape(Map<String, Child> children, Shape anyKey, boolean leaf) {
        static final Shape LEAF = new Shape(Map.of(), null, true);
    }

    /** A named child, with the name as the documentation writes it. */
    private record Child(String dashed, Shape shape) {
    }

    private static final Shape SHAPE = shapeOf(AgateProperties.class);

    private UnknownAgateProperties() {
    }

    /**
     * @throws AgateConfigurationException naming every unknown {@code agate.*} property, where it was set,
     *         and the closest known name
     */
    static void check(Environment environment) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return;
        }
        Map<String, String> unknown = new LinkedHashMap<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(configurable)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable) || notChecked(source)) {
                continue;
            }
            iterable.stream().filter(name -> name.getNumberOfElements() > 0 && name.getElement(0, ConfigurationPropertyName.Form.UNIFORM).equals(PREFIX))
                    .filter(name -> !isKnown(name)).forEach(name -> unknown.putIfAbsent(name.toString(), origin(source.getConfigurationProperty(name))));
        }
        if (unknown.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        unknown.forEach((name, origin) -> {
            String closest = closest(name);
            lines.add(name + (origin == null ? "" : " (" + origin + ")") + (closest == null ? "" : ": did you mean " + closest + "?"));
        });
        String all = String.join("; ", lines);
        throw new AgateConfigurationException(
                (lines.size() == 1 ? "Agate has no setting " : "Agate has no settings ") + all + (all.endsWith("?") ? "" : "."),
                "Correct or remove " + (lines.size() == 1 ? "it" : "them") + ". Agate's settings are listed in docs/spring.md and in its"
                        + " configuration metadata (your IDE completes them).");
    }

    private static boolean notChecked(ConfigurationPropertySource source) {
        Object underlying = source.getUnderlyingSource();
        String name = underlying instanceof PropertySource<?> propertySource ? propertySource.getName() : "";
        return name.equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
                || name.equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
    }

    private static String origin(ConfigurationProperty property) {
        Origin origin = property == null ? null : property.getOrigin();
        return origin == null ? null : origin.toString();
    }

    static boolean isKnown(ConfigurationPropertyName name) {
        Shape shape = SHAPE;
        for (int i = 1; i < name.getNumberOfElements(); i++) {
            if (shape.leaf()) {
                return true; // below a leaf: a list's index, say
            }
            if (shape.anyKey() != null) {
                shape = shape.anyKey();
                continue;
            }
            Child next = shape.children().get(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
            if (next == null) {
                return false;
            }
            shape = next.shape();
        }
        return true;
    }

    /** The known full name closest to {@code unknown}, or null when none is close. */
    static String closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : knownNames()) {
            int distance = distance(unknown, known);
            if (distance < bestDistance) {
                best = known;
                bestDistance = distance;
            }
        }
        return best != null && bestDistance <= Math.max(2, unknown.length() / 4) ? best : null;
    }

    /** Every settable name, a map's keys written as {@code *}. */
    static Set<String> knownNames() {
        Set<String> names = new TreeSet<>(Comparator.naturalOrder());
        collect(PREFIX, SHAPE, names);
        return names;
    }

    private static void collect(String path, Shape shape, Set<String> names) {
        if (shape.leaf()) {
            names.add(path);
        } else if (shape.anyKey() != null) {
            names.add(path);
            if (!shape.anyKey().leaf()) {
                collect(path + ".*", shape.anyKey(), names);
            }
        } else {
            shape.children().values().forEach(child -> collect(path + "." + child.dashed(), child.shape(), names));
        }
    }

    private static Shape shapeOf(Class<?> type) {
        Map<String, Child> children = new LinkedHashMap<>();
        try {
            for (PropertyDescriptor property : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
                if (property.getReadMethod() == null) {
                    continue;
                }
                String dashed = dashed(property.getName());
                children.put(dashed.replace("-", ""), new Child(dashed, shapeOf(property.getReadMethod().getGenericReturnType())));
            }
        } catch (IntrospectionException e) {
            throw new IllegalStateException("cannot read the settings of " + type.getName(), e);
        }
        return new Shape(Map.copyOf(children), null, false);
    }

    private static Shape shapeOf(Type type) {
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == Map.class) {
            return new Shape(Map.of(), shapeOf(parameterized.getActualTypeArguments()[1]), false);
        }
        if (type instanceof Class<?> nested && nested.getDeclaringClass() == AgateProperties.class && !nested.isEnum()) {
            return shapeOf(nested);
        }
        return Shape.LEAF;
    }

    /** {@code durableLocalQueues} as Spring Boot writes it in a property name: {@code durable-local-queues}. */
    private static String dashed(String property) {
        StringBuilder dashed = new StringBuilder();
        for (char c : property.toCharArray()) {
            if (Character.isUpperCase(c)) {
                dashed.append('-').append(Character.toLowerCase(c));
            } else {
                dashed.append(c);
            }
        }
        return dashed.toString();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
