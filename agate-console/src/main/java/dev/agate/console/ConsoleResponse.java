package dev.agate.console;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the console answers; its adapter writes it out as it is.
 *
 * @param status      the HTTP status
 * @param contentType the body's media type
 * @param headers     more headers (Set-Cookie, Location, WWW-Authenticate, ...)
 * @param body        the body
 */
public record ConsoleResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
    public ConsoleResponse {
        headers = Map.copyOf(headers);
    }

    /** An HTML page. */
    public static ConsoleResponse html(int status, String html, Map<String, String> headers) {
        return new ConsoleResponse(status, "text/html; charset=utf-8", headers, html.getBytes(StandardCharsets.UTF_8));
    }

    /** See other: the browser GETs {@code location}. */
    public static ConsoleResponse redirect(String location) {
        return new ConsoleResponse(303, "text/plain; charset=utf-8", Map.of("Location", location), new byte[0]);
    }
}
