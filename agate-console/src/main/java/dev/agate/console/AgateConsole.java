package dev.agate.console;

import dev.agate.console.internal.ConsoleServer;
import dev.agate.console.internal.ConsoleStore;
import dev.agate.console.internal.Pages;
import dev.agate.console.internal.StoreConsole;
import dev.agate.spi.MessageStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's console over one message store: server-rendered pages (no script, nothing fetched from
 * elsewhere) with what waits per endpoint and since when, the nodes and the leader, the dead letters with
 * filters, counts and details, and the scheduled messages; and, when {@linkplain Builder#writable writable},
 * replay, delete, edit-and-replay, cancel and reschedule, each confirmed with the exact count it will touch,
 * protected against cross-site requests, done by the store in bounded batches and audited with the user's
 * name. Served by {@link #serve} ({@code bin/agate console}) or mounted in a servlet container with
 * {@link AgateConsoleServlet} (the Spring Boot starter does when {@code agate.console.enabled=true}).
 *
 * <p>The store must be started, and stays the caller's to close. Thread-safe: requests may come on many threads.
 */
public final class AgateConsole {
    private final Pages pages;
    private final ConsoleAuthenticator authenticator;

    private AgateConsole(Builder builder) {
        ConsoleStore console = new StoreConsole(builder.store, builder.clock);
        this.pages = new Pages(console, builder.title, builder.writable, builder.clock);
        this.authenticator = builder.authenticator;
    }

    /** A console over {@code store}, read only and open to {@link ConsoleAuthenticator#anyone()} unless told otherwise. */
    public static Builder builder(MessageStore store) {
        return new Builder(store);
    }

    /** Answers one request: authenticates it, then serves the page or does the action. */
    public ConsoleResponse handle(ConsoleRequest request) {
        String user = authenticator.userOf(request);
        if (user == null) {
            return new ConsoleResponse(401, "text/plain; charset=utf-8",
                    Map.of("WWW-Authenticate", "Basic realm=\"Agate console\", charset=\"UTF-8\""),
                    "sign in to use the Agate console\n".getBytes(StandardCharsets.UTF_8));
        }
        return pages.answer(request, user);
    }

    /**
     * Serves the console on {@code address} with the JDK's HTTP server, until the returned server is closed.
     *
     * @throws IOException when the address cannot be bound
     */
    public Server serve(InetSocketAddress address) throws IOException {
        return new ConsoleServer(this, address);
    }

    /** A running console server. */
    public interface Server extends AutoCloseable {
        /** The address it listens on (with the port it bound, when asked for port 0). */
        InetSocketAddress address();

        /** Stops serving; requests in progress get a second to finish. */
        @Override
        void close();
    }

    /** How a console is made. */
    public static final class Builder {
        private final MessageStore store;
        private boolean writable;
        private ConsoleAuthenticator authenticator = ConsoleAuthenticator.anyone();
        private String title = "";
        private Clock clock = Clock.systemUTC();

        private Builder(MessageStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Whether the console may act (replay, delete, edit, cancel, reschedule). Default: read only. */
        public Builder writable(boolean writable) {
            this.writable = writable;
            return this;
        }

        /** Who may use it. Default: {@link ConsoleAuthenticator#anyone()}. */
        public Builder authenticator(ConsoleAuthenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** Shown beside the title: the service or database, so that two consoles are not confused. */
        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /** The clock ages are measured with. Default: the system's, in UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public AgateConsole build() {
            return new AgateConsole(this);
        }
    }
}
