package dev.agate.console;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console mounted in an application's servlet container, at the servlet's path (e.g.
 * {@code /agate-console/*}). The container's authentication (Spring Security, say) protects it like any other
 * path; the user it authenticated is the console's user with {@link ConsoleAuthenticator#containerUser()}.
 */
public class AgateConsoleServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient AgateConsole console;

    public AgateConsoleServlet(AgateConsole console) {
        this.console = console;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String method = req.getMethod().toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("POST")) {
            resp.setHeader("Allow", "GET, POST");
            resp.sendError(405);
            return;
        }
        req.setCharacterEncoding("UTF-8");
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        req.getParameterMap().forEach((k, v) -> parameters.put(k, Arrays.asList(v)));
        Map<String, String> headers = new HashMap<>();
        for (String name : Collections.list(req.getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), req.getHeader(name));
        }
        Map<String, String> cookies = new HashMap<>();
        if (req.getCookies() != null) {
            for (Cookie cookie : req.getCookies()) {
                cookies.put(cookie.getName(), cookie.getValue());
            }
        }
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        ConsoleRequest request = new ConsoleRequest(method, req.getContextPath() + req.getServletPath(), path, parameters, headers, cookies,
                req.getRemoteAddr(), req.getUserPrincipal() == null ? null : req.getUserPrincipal().getName());
        ConsoleResponse response = console.handle(request);
        resp.setStatus(response.status());
        resp.setContentType(response.contentType());
        response.headers().forEach(resp::addHeader);
        if (response.body().length > 0) {
            resp.getOutputStream().write(response.body());
        }
    }
}
