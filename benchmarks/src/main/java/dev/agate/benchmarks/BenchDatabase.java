package dev.agate.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A fresh database for one result row: a temporary SQLite file, or a new database on the local PostgreSQL
 * or MariaDB server, dropped (or deleted) by {@link #close()}.
 */
record BenchDatabase(String kind, String name, String url, Path dir) implements AutoCloseable {
    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/?user=root&password=";

    static BenchDatabase create(String kind) throws Exception {
        String name = "agate_bench_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
        switch (kind) {
            case "sqlite" -> {
                Path dir = Files.createTempDirectory("agate-bench");
                return new BenchDatabase(kind, name, "jdbc:sqlite:" + dir.resolve(name + ".db"), dir);
            }
            case "postgres" -> {
                admin(PG_ADMIN, "CREATE DATABASE " + name);
                return new BenchDatabase(kind, name, "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres", null);
            }
            case "mariadb" -> {
                admin(MARIADB_ADMIN, "CREATE DATABASE " + name);
                return new BenchDatabase(kind, name, "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root&password=", null);
            }
            default -> throw new IllegalArgumentException("unknown store " + kind);
        }
    }

    boolean isSqlite() {
        return kind.equals("sqlite");
    }

    /** Runs one statement on a connection of its own, outside any pool. */
    void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The first row of a query, as longs, on a connection of its own. */
    long[] queryLongs(String sql, int columns) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            long[] values = new long[columns];
            if (rows.next()) {
                for (int i = 0; i < columns; i++) {
                    values[i] = rows.getLong(i + 1);
                }
            }
            return values;
        }
    }

    /**
     * A HikariCP pool on this database, configured as {@link dev.agate.jdbc.JdbcMessageStore} configures its own:
     * on SQLite one connection (one writer at a time), WAL, a 10 s busy timeout and transactions that take the
     * write lock when they begin ({@code BEGIN IMMEDIATE}); on a server {@code size} connections.
     */
    HikariDataSource pool(int size) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench-" + kind);
        config.setAutoCommit(true);
        config.setConnectionTimeout(30_000);
        if (isSqlite()) {
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setBusyTimeout(10_000);
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            SQLiteDataSource source = new SQLiteDataSource(sqlite);
            source.setUrl(url);
            config.setDataSource(source);
            config.setMaximumPoolSize(1);
            try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode = WAL");
            }
        } else {
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(size);
            config.setMinimumIdle(size);
        }
        return new HikariDataSource(config);
    }

    @Override
    public void close() throws Exception {
        switch (kind) {
            case "postgres" -> admin(PG_ADMIN, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            case "mariadb" -> admin(MARIADB_ADMIN, "DROP DATABASE IF EXISTS " + name);
            default -> {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void admin(String url, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
