package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.MessageContext;
import dev.agate.benchmarks.TcpScenario.Answer;
import dev.agate.benchmarks.TcpScenario.Request;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving JVM of the TCP scenarios, started by {@link TcpReceiver}:
 * <pre>
 * TcpReceiverMain durable JDBC_URL    a durable listener on a store; the handler writes a row to "received"
 *                                     on the handling's connection and answers through the outbox
 * TcpReceiverMain lightweight         a buffered listener, no store; the handler counts and answers
 * </pre>
 * It listens at a free port of 127.0.0.1 and prints {@code TCP-RECEIVER READY tcp://127.0.0.1:PORT}. It
 * runs until its standard input ends (the harness closes it, or died), then closes the host, prints
 * {@code TCP-RECEIVER HANDLED n DISTINCT d} (requests handled, distinct ids) and exits. SIGTERM closes the
 * host too. Its log goes to stderr. Meanwhile, every {@link #COMPILED_EVERY}, it prints
 * {@code TCP-RECEIVER COMPILED ms}: how long its JIT compilers have worked so far, for the harness's warm-up.
 */
public final class TcpReceiverMain {
    static final String READY = "TCP-RECEIVER READY ";
    static final String HANDLED = "TCP-RECEIVER HANDLED ";
    static final String COMPILED = "TCP-RECEIVER COMPILED ";
    static final Duration COMPILED_EVERY = Duration.ofMillis(250);

    private TcpReceiverMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean durable = args.length == 2 && args[0].equals("durable");
        if (!durable && !(args.length == 1 && args[0].equals("lightweight"))) {
            System.err.println("usage: TcpReceiverMain durable JDBC_URL | lightweight");
            System.exit(2);
        }
        Counter counter = durable ? new LedgerCounter(args[1]) : new MemoryCounter();
        AgateHost.Builder builder = AgateHost.builder().serviceName("bench-receiver").shutdownTimeout(Duration.ofSeconds(10));
        Listener.Builder listener = Listener.at("tcp://127.0.0.1:0");
        if (durable) {
            builder.store(JdbcMessageStore.builder(args[1]).build()).listener(listener.durable().build())
                    .durableSenders().handlers(new LedgerHandler());
        } else {
            builder.listener(listener.buffered().build()).handlers(new CountingHandler((MemoryCounter) counter));
        }
        AgateHost host = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(host::close, "tcp-receiver-shutdown"));
        System.out.println(READY + host.listenerAddresses().get(0));
        System.out.flush();
        reportCompilation();

        drain(System.in);
        host.close();
        System.out.println(HANDLED + counter.handled() + " DISTINCT " + counter.distinct());
        System.out.flush();
        System.exit(0);
    }

    /** Prints {@link #COMPILED} lines from a daemon thread until the JVM exits (nothing when the JVM does not tell). */
    private static void reportCompilation() {
        if (Measurement.ownCompilationMillis() < 0) {
            return;
        }
        Thread reporter = new Thread(() -> {
            while (true) {
                System.out.println(COMPILED + Measurement.ownCompilationMillis()); // println is atomic per line
                System.out.flush();
                try {
                    Thread.sleep(COMPILED_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tcp-receiver-compiled");
        reporter.setDaemon(true);
        reporter.start();
    }

    /** Returns when the stream ends: the harness closed it, or its process is gone. */
    private static void drain(InputStream in) {
        try {
            while (in.read() >= 0) {
                // nothing is expected on stdin; only its end matters
            }
        } catch (IOException e) {
            // the pipe broke: the harness is gone
        }
    }

    /** Writes the request's row on the handling's connection (the exactly-once path) and answers it. */
    static final class LedgerHandler {
        @Handler
        void on(Request request, Connection connection, MessageContext context) throws SQLException {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO received (id, sent_at) VALUES (?, ?)")) {
                insert.setLong(1, request.id());
                insert.setLong(2, request.sentAtNanos());
                insert.executeUpdate();
            }
            context.respond(new Answer(request.id(), request.sentAtNanos()));
        }
    }

    /** Counts the request and answers it. */
    static final class CountingHandler {
        private final MemoryCounter counter;

        CountingHandler(MemoryCounter counter) {
            this.counter = counter;
        }

        @Handler
        void on(Request request, MessageContext context) {
            counter.count(request.id());
            context.respond(new Answer(request.id(), request.sentAtNanos()));
        }
    }

    /** What was handled, read once the host is closed. */
    private interface Counter {
        long handled() throws SQLException;

        long distinct() throws SQLException;
    }

    /** The durable receiver's "received" rows: committed with the handled marks, so exactly what was handled. */
    private record LedgerCounter(String url) implements Counter {
        @Override
        public long handled() throws SQLException {
            return count("SELECT COUNT(*) FROM received");
        }

        @Override
        public long distinct() throws SQLException {
            return count("SELECT COUNT(DISTINCT id) FROM received");
        }

        private long count(String query) throws SQLException {
            try (Connection connection = java.sql.DriverManager.getConnection(url);
                 var statement = connection.createStatement(); var rows = statement.executeQuery(query)) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** The lightweight receiver's count of handler calls, and the ids it saw. */
    private static final class MemoryCounter implements Counter {
        private final LongAdder handled = new LongAdder();
        private final Set<Long> ids = ConcurrentHashMap.newKeySet();

        void count(long id) {
            handled.increment();
            ids.add(id);
        }

        @Override
        public long handled() {
            return handled.sum();
        }

        @Override
        public long distinct() {
            return ids.size();
        }
    }
}
