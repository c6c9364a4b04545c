package dev.agate.console.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agate.console.AgateConsole;
import dev.agate.console.ConsoleRequest;
import dev.agate.console.ConsoleResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console on the JDK's HTTP server, for {@code bin/agate console}: a few threads, forms of at most 1 MiB. */
public final class ConsoleServer implements AgateConsole.Server {
    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
    private static final int MAX_FORM = 1 << 20;

    private final HttpServer server;
    private final ExecutorService threads;

    public ConsoleServer(AgateConsole console, InetSocketAddress address) throws IOException {
        server = HttpServer.create(address, 50);
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "agate-console-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                answer(console, exchange);
            } catch (RuntimeException | IOException e) {
                log.warn("console request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            }
        });
        server.start();
    }

    private static void answer(AgateConsole console, HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("POST") && !method.equals("HEAD")) {
            send(exchange, new ConsoleResponse(405, "text/plain", Map.of("Allow", "GET, POST"), new byte[0]));
            return;
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        parse(exchange.getRequestURI().getRawQuery(), parameters);
        if (method.equals("POST")) {
            byte[] form = readUpTo(exchange.getRequestBody(), MAX_FORM);
            if (form == null) {
                send(exchange, new ConsoleResponse(413, "text/plain", Map.of(), "form too large\n".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            parse(new String(form, StandardCharsets.ISO_8859_1), parameters);
        }
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
        Map<String, String> cookies = new HashMap<>();
        String cookieHeader = headers.get("cookie");
        if (cookieHeader != null) {
            for (String c : cookieHeader.split(";")) {
                int eq = c.indexOf('=');
                if (eq > 0) {
                    cookies.put(c.substring(0, eq).trim(), c.substring(eq + 1).trim());
                }
            }
        }
        String path = exchange.getRequestURI().getPath();
        ConsoleRequest request = new ConsoleRequest(method.equals("HEAD") ? "GET" : method, "", path == null || path.isEmpty() ? "/" : path,
                parameters, headers, cookies, exchange.getRemoteAddress().getAddress().getHostAddress(), null);
        send(exchange, console.handle(request));
    }

    private static void parse(String raw, Map<String, List<String>> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
    }

    private static byte[] readUpTo(InputStream in, int max) throws IOException {
        byte[] bytes = in.readNBytes(max + 1);
        return bytes.length > max ? null : bytes;
    }

    private static void send(HttpExchange exchange, ConsoleResponse response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(response.status(), head || response.body().length == 0 ? -1 : response.body().length);
        if (!head && response.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    @Override
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(1);
        threads.shutdownNow();
    }
}
