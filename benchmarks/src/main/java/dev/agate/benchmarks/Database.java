package dev.agate.benchmarks;

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
import java.util.stream.Stream;

/**
 * A fresh database for one result row: a temporary SQLite file, or a new database on the local PostgreSQL
 * or MariaDB server; {@link #close()} deletes or drops it.
 */
final class Database implements AutoCloseable {
    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/?user=root&password=";

    private final String kind;
    private final String name;
    private final String url;
    private final Path dir;

    private Database(String kind, String name, String url, Path dir) {
        this.kind = kind;
        this.name = name;
        this.url = url;
        this.dir = dir;
    }

    /** A new, empty database of {@code kind}: sqlite, postgres or mariadb. */
    static Database create(String kind) throws Exception {
        String name = "agate_bench_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
        switch (kind) {
            case "sqlite" -> {
                Path dir = Files.createTempDirectory("agate-bench");
                return new Database(kind, name, "jdbc:sqlite:" + dir.resolve(name + ".db"), dir);
            }
            case "postgres" -> {
                admin(PG_ADMIN, "CREATE DATABASE " + name);
                return new Database(kind, name, "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres", null);
            }
            case "mariadb" -> {
                admin(MARIADB_ADMIN, "CREATE DATABASE " + name);
                return new Database(kind, name, "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root&password=", null);
            }
            default -> throw new IllegalArgumentException("unknown store " + kind);
        }
    }

    /** The JDBC URL of this database. */
    String url() {
        return url;
    }

    void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The single number {@code query} selects. */
    long count(String query) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        switch (kind) {
            case "postgres" -> admin(PG_ADMIN, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            case "mariadb" -> admin(MARIADB_ADMIN, "DROP DATABASE IF EXISTS " + name);
            default -> {
                try (Stream<Path> files = Files.walk(dir)) {
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
