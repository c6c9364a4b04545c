package dev.agate.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A database of its own for one test, on the real servers of this machine (PostgreSQL at
 * 127.0.0.1:5432 as postgres, MariaDB at 127.0.0.1:3306 as root) or in a temporary SQLite file;
 * dropped by {@link #close()}. Names are random, so runs never collide. Public, and shipped in this
 * module's test-jar, for other modules' tests against the same databases (agate-cli).
 */
public final class TestDatabase implements AutoCloseable {
    public enum Kind { SQLITE, POSTGRES, MARIADB }

    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/?user=root&password=";

    public final Kind kind;
    public final String name;
    public final String url;
    public final DataSource dataSource;
    private final Path sqliteDir;

    private TestDatabase(Kind kind, String name, String url, DataSource dataSource, Path sqliteDir) {
        this.kind = kind;
        this.name = name;
        this.url = url;
        this.dataSource = dataSource;
        this.sqliteDir = sqliteDir;
    }

    public static TestDatabase create(Kind kind) throws Exception {
        String name = "agate_t_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
        switch (kind) {
            case SQLITE -> {
                Path dir = Files.createTempDirectory("agate-sqlite");
                String url = "jdbc:sqlite:" + dir.resolve(name + ".db");
                // As the store will run it: WAL, a busy timeout, and transactions that take the write lock up front.
                SQLiteConfig config = new SQLiteConfig();
                config.setJournalMode(SQLiteConfig.JournalMode.WAL);
                config.setBusyTimeout(10_000);
                config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
                SQLiteDataSource ds = new SQLiteDataSource(config);
                ds.setUrl(url);
                // WAL mode is kept in the file: switch it once, as the store does at start, so that nodes opening
                // connections at once never race to change it (which fails with SQLITE_BUSY, busy timeout or not).
                try (Connection first = ds.getConnection()) {
                    first.isValid(1);
                }
                return new TestDatabase(kind, name, url, ds, dir);
            }
            case POSTGRES -> {
                admin(PG_ADMIN, "CREATE DATABASE " + name);
                String url = "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres";
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setUrl(url);
                return new TestDatabase(kind, name, url, ds, null);
            }
            case MARIADB -> {
                admin(MARIADB_ADMIN, "CREATE DATABASE " + name);
                String url = "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root&password=";
                MariaDbDataSource ds = new MariaDbDataSource(url);
                return new TestDatabase(kind, name, url, ds, null);
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    /**
     * A column for a test's ledger table that records, on PostgreSQL, the transaction each row was written in
     * (fewer distinct values than rows: envelopes were handled in batches); empty elsewhere.
     */
    public String transactionColumn() {
        return kind == Kind.POSTGRES ? ", tx BIGINT NOT NULL DEFAULT txid_current()" : "";
    }

    /** How many transactions wrote the ledger's rows, on PostgreSQL (see {@link #transactionColumn()}); -1 elsewhere. */
    public long ledgerTransactions() throws SQLException {
        return kind == Kind.POSTGRES ? queryLong("SELECT COUNT(DISTINCT tx) FROM ledger") : -1;
    }

    /** Runs SQL on a fresh connection to this database. */
    public void execute(String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** A single long from a query. */
    /**
     * Waits until no session but the caller's is connected to this database: after a client process was
     * killed, the server may still be finishing a COMMIT the client had sent, and only once the server
     * ended that session is what it committed final. SQLite has no server: nothing to wait for.
     */
    public void awaitNoOtherSessions(java.time.Duration timeout) {
        String others = switch (kind) {
            case SQLITE -> null;
            case POSTGRES -> "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
            case MARIADB -> "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()";
        };
        if (others == null) {
            return;
        }
        org.awaitility.Awaitility.await("the sessions of a killed client to end at " + name).atMost(timeout)
                .pollInterval(java.time.Duration.ofMillis(20)).until(() -> queryLong(others) == 0);
    }

    public long queryLong(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException, java.io.IOException {
        switch (kind) {
            case SQLITE -> {
                try (var files = Files.walk(sqliteDir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            case POSTGRES -> admin(PG_ADMIN, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            case MARIADB -> admin(MARIADB_ADMIN, "DROP DATABASE IF EXISTS " + name);
            default -> { }
        }
    }

    private static void admin(String url, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public String toString() {
        return kind + " " + name;
    }
}
