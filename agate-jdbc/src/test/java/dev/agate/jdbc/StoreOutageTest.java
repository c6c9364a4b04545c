package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateException;
import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.MessageContext;
import dev.agate.MessageStoreStartException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The database goes away: at start the host says so and keeps trying with backoff; while running, the
 * workers pause, sends fail clearly, and nothing that was accepted is lost or handled twice once the
 * database is back. On the real PostgreSQL, refusing connections to the test's database and killing the
 * ones it has.
 */
class StoreOutageTest {
    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    record Deposit(int n) {
    }

    @Test
    void anUnreachableStoreAtStartFailsWithAClearErrorAfterRetrying() {
        AgateHost.Builder builder = AgateHost.builder().serviceName("bank").durableLocalQueues()
                .handler(new Object() {
                    @Handler
                    void on(Deposit deposit) {
                    }
                })
                .store(JdbcMessageStore.builder("jdbc:postgresql://127.0.0.1:1/nowhere?user=postgres&password=secret")
                        .connectionTimeout(Duration.ofMillis(250)).build())
                .durability(Durability.defaults().storeStartTimeout(Duration.ofSeconds(1)));
        assertThatThrownBy(builder::start).isInstanceOf(MessageStoreStartException.class)
                .hasMessageStartingWith("Connection refused: cannot reach the message store, PostgreSQL 127.0.0.1:1/nowhere: ")
                .hasMessageEndingWith("(host 'bank' could not start its message store, PostgreSQL 127.0.0.1:1/nowhere; gave up after 1 s,"
                        + " its store start timeout)")
                .message().doesNotContain("secret");
    }

    @Test
    void aRefusedLoginFailsTheStartAtOnceWithItsCauseFirst() {
        AgateHost.Builder builder = AgateHost.builder().serviceName("bank").durableLocalQueues()
                .store(JdbcMessageStore.builder("jdbc:postgresql://127.0.0.1:5432/postgres?user=agate_no_such_role")
                        .connectionTimeout(Duration.ofSeconds(1)).build())
                .durability(Durability.defaults().storeStartTimeout(Duration.ofSeconds(30)));
        long started = System.nanoTime();

        assertThatThrownBy(builder::start).isInstanceOf(MessageStoreStartException.class)
                .hasMessageStartingWith("FATAL: role \"agate_no_such_role\" does not exist")
                .hasMessageContaining("refuses the login").hasMessageContaining("not retried");
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("refused login: the start failed after " + millis + " ms (store start timeout 30 s)");
        assertThat(millis).as("no retries until the 30 s timeout").isLessThan(5_000);
    }

    @Test
    void aStoreThatNeverAnswersFailsTheStartAtItsTimeoutThoughItsConnectWouldWaitLonger() throws Exception {
        // Takes connections and never answers them: a database behind a network that stops forwarding.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread accepting = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            accepting.setDaemon(true);
            accepting.start();
            AgateHost.Builder builder = AgateHost.builder().serviceName("bank").durableLocalQueues()
                    .store(JdbcMessageStore.builder("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/bank?user=postgres")
                            .connectionTimeout(Duration.ofSeconds(60)).build())
                    .durability(Durability.defaults().storeStartTimeout(Duration.ofSeconds(2)));
            long started = System.nanoTime();

            assertThatThrownBy(builder::start).isInstanceOf(MessageStoreStartException.class)
                    .hasMessageStartingWith("the message store did not answer within 2 s")
                    .hasMessageContaining("gave up after 2 s");
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.println("silent store: the start failed after " + millis + " ms (timeout 2 s, connect timeout 60 s)");
            assertThat(millis).isBetween(1_900L, 6_000L);
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aStoreThatAppearsWhileTheHostRetriesLetsItStart() throws Exception {
        String name = "agate_t_late_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
        AgateHost.Builder builder = AgateHost.builder().serviceName("bank").durableLocalQueues()
                .handler(new Object() {
                    @Handler
                    void on(Deposit deposit) {
                    }
                })
                .store(JdbcMessageStore.builder("jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres")
                        .connectionTimeout(Duration.ofMillis(250)).build())
                .durability(Durability.defaults().storeStartTimeout(Duration.ofSeconds(30)));
        CompletableFuture<AgateHost> starting = CompletableFuture.supplyAsync(builder::start);
        try {
            Thread.sleep(1500);
            assertThat(starting).isNotDone();
            admin("CREATE DATABASE " + name);
            try (AgateHost host = starting.get(30, TimeUnit.SECONDS)) {
                assertThat(host.isRunning()).isTrue();
                assertThat(host.nodeId()).isPositive();
            }
        } finally {
            starting.cancel(true);
            admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    @Test
    void whileTheDatabaseIsDownWorkersPauseSendsFailAndNothingAcceptedIsLostOrDoubled() throws Exception {
        int total = 400;
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            Object ledger = new Object() {
                @Handler
                void on(Deposit deposit, MessageContext context) throws SQLException, InterruptedException {
                    Thread.sleep(5);
                    try (PreparedStatement insert = context.connection().prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                        insert.setInt(1, deposit.n());
                        insert.executeUpdate();
                    }
                }
            };
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            try (AgateHost host = AgateHost.builder().serviceName("bank").durableLocalQueues().handler(ledger)
                    .store(JdbcMessageStore.builder(db.url).connectionTimeout(Duration.ofMillis(500)).build())
                    .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200))).start()) {
                for (int i = 0; i < total; i++) {
                    if (i == total / 2) {
                        admin("ALTER DATABASE " + db.name + " ALLOW_CONNECTIONS false",
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name + "'");
                    }
                    if (i == total / 2 + 50) {
                        admin("ALTER DATABASE " + db.name + " ALLOW_CONNECTIONS true");
                    }
                    try {
                        host.bus().send(new Deposit(i));
                        accepted.incrementAndGet();
                    } catch (AgateException e) {
                        refused.incrementAndGet();
                        assertThat(e.getMessage()).contains("PostgreSQL 127.0.0.1:5432/" + db.name);
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= accepted.get());
                Thread.sleep(300);
                System.out.printf("outage accepted=%d refused=%d ledger=%d distinct=%d deadLetters=%d%n", accepted.get(), refused.get(),
                        db.queryLong("SELECT COUNT(*) FROM ledger"), db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger"),
                        host.deadLetters().list().size());
                assertThat(refused.get()).as("sends while the database refused connections failed").isPositive();
                assertThat(host.deadLetters().list()).isEmpty();
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isEqualTo(accepted.get());
            assertThat(db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger")).isEqualTo(accepted.get());
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status <> 'Handled'")).isZero();
        }
    }

    private static void admin(String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(ADMIN); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
