package dev.agate.console;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request to the console, as its adapter (the built-in server, {@link AgateConsoleServlet}) read it.
 *
 * @param method     GET or POST
 * @param base       the path the console is served under ("" at a server's root, "/agate-console" when
 *                   mounted there): links and form actions start with it
 * @param path       the path below {@code base}, starting with "/"
 * @param parameters the query's parameters, then the form's (application/x-www-form-urlencoded), by name
 * @param headers    the request's headers, names in lower case (first value of each)
 * @param cookies    the request's cookies, by name
 * @param remote     the client's address, for the audit when nobody is signed in
 * @param user       the user the container authenticated (a servlet's principal), or null
 */
public record ConsoleRequest(String method, String base, String path, Map<String, List<String>> parameters,
                             Map<String, String> headers, Map<String, String> cookies, String remote, String user) {
    public ConsoleRequest {
        method = method.toUpperCase(Locale.ROOT);
        parameters = Map.copyOf(parameters);
        headers = Map.copyOf(headers);
        cookies = Map.copyOf(cookies);
    }

    /** The first value of a parameter, or null when absent or blank. */
    public String parameter(String name) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty() || values.get(0) == null || values.get(0).isBlank()) {
            return null;
        }
        return values.get(0);
    }

    /** Every value of a parameter (a repeated field), maybe none. */
    public List<String> parameters(String name) {
        return parameters.getOrDefault(name, List.of());
    }

    /** A header, by its name in any case, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
