package dev.agate.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * Who may use the console: the user a request comes from, or null to refuse it (401). The name goes into the
 * audit row of every action that user takes. Called for every request, on the server's thread.
 */
@FunctionalInterface
public interface ConsoleAuthenticator {

    /** The user of {@code request}, or null when it is not allowed. */
    String userOf(ConsoleRequest request);

    /**
     * Anyone who reaches the console: the default of {@code bin/agate console}, which listens on 127.0.0.1
     * unless told otherwise. The audit names the client's address.
     */
    static ConsoleAuthenticator anyone() {
        return request -> request.user() != null ? request.user() : "console@" + request.remote();
    }

    /**
     * The user the servlet container (Spring Security, say) authenticated; requests without one are refused.
     * The default when the console is mounted in an application.
     */
    static ConsoleAuthenticator containerUser() {
        return ConsoleRequest::user;
    }

    /** HTTP Basic with one user and password, compared in constant time. Use it behind TLS. */
    static ConsoleAuthenticator basic(String user, String password) {
        Objects.requireNonNull(user, "user");
        byte[] expected = ("Basic " + Base64.getEncoder().encodeToString((user + ":" + Objects.requireNonNull(password, "password"))
                .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        return request -> {
            String given = request.header("authorization");
            return given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8)) ? user : null;
        };
    }
}
