package dev.agate.rabbitmq.internal;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A parsed {@code rabbitmq://} endpoint URI: {@code rabbitmq://queue/NAME} (published through the default
 * exchange with the queue's name as routing key, consumed from that queue) or
 * {@code rabbitmq://exchange/NAME[?routing-key=K]} (published to that exchange; not listened to).
 *
 * @param queue      the queue's name, or null for an exchange
 * @param exchange   the exchange's name, or "" (the default exchange) for a queue
 * @param routingKey the routing key of what is published
 */
public record RabbitAddress(URI uri, String queue, String exchange, String routingKey) {

    /** @throws IllegalArgumentException saying what is wrong and what a valid URI looks like */
    public static RabbitAddress parse(URI uri) {
        if (!"rabbitmq".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a rabbitmq URI: " + uri);
        }
        String kind = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        String path = uri.getPath() == null ? "" : uri.getPath();
        String name = path.startsWith("/") ? path.substring(1) : path;
        if (uri.getPort() >= 0 || uri.getUserInfo() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("a rabbitmq URI names a queue or an exchange, not a broker (the broker comes from "
                    + "AGATE_RABBITMQ_URL or the transport's builder): " + uri);
        }
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("a rabbitmq URI is rabbitmq://queue/NAME or rabbitmq://exchange/NAME[?routing-key=K], "
                    + "with one name, but was " + uri);
        }
        if ("queue".equalsIgnoreCase(kind)) {
            if (uri.getQuery() != null) {
                throw new IllegalArgumentException("a rabbitmq queue URI takes no query (routing-key is for exchanges): " + uri);
            }
            checkName(name, uri);
            return new RabbitAddress(uri, name, "", name);
        }
        if ("exchange".equalsIgnoreCase(kind)) {
            if (name.length() > 255) {
                throw new IllegalArgumentException("the exchange name in " + uri + " is longer than 255 characters");
            }
            String key = "";
            if (uri.getRawQuery() != null) {
                for (String pair : uri.getRawQuery().split("&")) {
                    int eq = pair.indexOf('=');
                    String param = eq < 0 ? pair : pair.substring(0, eq);
                    if (!param.equals("routing-key")) {
                        throw new IllegalArgumentException("unknown parameter '" + param + "' in " + uri + "; an exchange URI takes only routing-key");
                    }
                    key = URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return new RabbitAddress(uri, null, name, key);
        }
        throw new IllegalArgumentException("a rabbitmq URI is rabbitmq://queue/NAME or rabbitmq://exchange/NAME[?routing-key=K] but was " + uri);
    }

    public boolean isQueue() {
        return queue != null;
    }

    /** What it names, for messages: "queue 'orders'" or "exchange 'events'". */
    public String describe() {
        return isQueue() ? "queue '" + queue + "'" : "exchange '" + exchange + "'";
    }

    private static void checkName(String name, URI uri) {
        if (name.length() > 255 || name.startsWith("amq.")) {
            throw new IllegalArgumentException("'" + name + "' in " + uri + " is not a queue name Agate can use: at most 255 characters, not "
                    + "starting with 'amq.' (reserved by the broker)");
        }
    }
}
