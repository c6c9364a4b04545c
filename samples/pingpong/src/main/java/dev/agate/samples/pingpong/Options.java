package dev.agate.samples.pingpong;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs, checked against what a command accepts. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    Options(String[] args, int from, String... accepted) {
        for (int i = from; i < args.length; i += 2) {
            String name = args[i];
            if (!java.util.List.of(accepted).contains(name)) {
                throw new IllegalArgumentException("unknown option " + name + "; expected one of " + String.join(", ", accepted));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            values.put(name, args[i + 1]);
        }
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int port(String name) {
        int port = Integer.parseInt(required(name));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be a TCP port but was " + port);
        }
        return port;
    }

    /** A TCP port ({@code 2201}) or an endpoint URI with a scheme ({@code rabbitmq://queue/pings}), as written. */
    String endpoint(String name) {
        String value = required(name);
        if (isPort(value)) {
            return String.valueOf(port(name));
        }
        try {
            if (java.net.URI.create(value).getScheme() != null) {
                return value;
            }
        } catch (IllegalArgumentException notAUri) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a TCP port or an endpoint URI such as rabbitmq://queue/NAME but was " + value);
    }

    static boolean isPort(String value) {
        return value.matches("[0-9]{1,9}");
    }
}
