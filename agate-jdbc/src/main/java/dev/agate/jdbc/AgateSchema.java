package dev.agate.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agate's tables on one database: incoming envelopes, outgoing envelopes, dead letters, nodes, the leader's
 * lease, node ids, the operators' audit, and a schema-version table. Creates or upgrades them ({@link #apply}), checks them ({@link #validate}),
 * prints the DDL for a DBA or a migration tool ({@link #print}), and drops and recreates them for tests
 * ({@link #rebuild}).
 *
 * <p><b>Concurrency.</b> Changes run under a database-wide lock (an advisory lock on PostgreSQL,
 * {@code GET_LOCK} on MariaDB, the write lock of {@code BEGIN IMMEDIATE} on SQLite), so any number of
 * nodes may start at once: the first applies the steps, the others find them applied.
 *
 * <p><b>Versions.</b> The schema is a list of numbered steps; the version table records which are
 * applied. A database whose version is newer than this build knows is refused, never downgraded.
 * Thread-safe and stateless apart from its settings.
 */
public final class AgateSchema {
    /** How a host treats the schema at start. */
    public enum Mode {
        /** Create missing tables and apply missing steps (the default). */
        CREATE_OR_UPGRADE,
        /** Only check; fail the start when tables are missing or of another version. */
        VALIDATE,
        /** Neither create nor check: the tables are managed elsewhere. */
        NONE
    }

    private static final Logger log = LoggerFactory.getLogger(AgateSchema.class);
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private final Dialect dialect;
    private final SchemaNames names;
    private final Clock clock;

    private AgateSchema(Dialect dialect, SchemaNames names, Clock clock) {
        this.dialect = dialect;
        this.names = Objects.requireNonNull(names, "names");
        this.clock = clock;
        dialect.createSchema(names);
    }

    /** The schema for the database a JDBC URL points at. */
    public static AgateSchema forUrl(String jdbcUrl, SchemaNames names) {
        return new AgateSchema(Dialect.forUrl(jdbcUrl), names, Clock.systemUTC());
    }

    /** The schema for a dialect by name: {@code sqlite}, {@code postgres} or {@code mariadb}. */
    public static AgateSchema forDialect(String dialect, SchemaNames names) {
        return new AgateSchema(Dialect.named(dialect), names, Clock.systemUTC());
    }

    static AgateSchema of(Dialect dialect, SchemaNames names) {
        return new AgateSchema(dialect, names, Clock.systemUTC());
    }

    /** The version this build writes and expects. */
    public static int currentVersion() {
        return Migrations.CURRENT;
    }

    public SchemaNames names() {
        return names;
    }

    /** The dialect's name. */
    public String dialect() {
        return dialect.name();
    }

    /** Every statement that creates the schema from nothing, in order. */
    public List<String> statements() {
        List<String> all = new ArrayList<>(dialect.createSchema(names));
        all.addAll(Migrations.versionTable(dialect, names));
        for (int version = 1; version <= Migrations.CURRENT; version++) {
            all.addAll(Migrations.step(version, dialect, names));
        }
        return all;
    }

    /** {@link #statements()} as a script, each statement ended by a semicolon, ready for psql or mariadb. */
    public String print() {
        StringBuilder script = new StringBuilder("-- Agate schema version " + Migrations.CURRENT + " for " + dialect.name() + "\n");
        for (String statement : statements()) {
            script.append('\n').append(statement).append(";\n");
        }
        script.append("\nINSERT INTO ").append(names.schemaVersion()).append(" (version, applied_at) VALUES (")
                .append(Migrations.CURRENT).append(", ")
                .append(dialect == Dialect.SQLITE ? "CAST(strftime('%s', 'now') AS INTEGER) * 1000" : "CURRENT_TIMESTAMP").append(");\n");
        return script.toString();
    }

    /**
     * Creates missing tables and applies missing steps, under the schema lock.
     *
     * @return the version the database was at before (0 for a database without Agate's tables)
     * @throws SchemaException when the database is newer than this build, or a statement fails
     */
    public int apply(DataSource dataSource) {
        return underLock(dataSource, "apply", connection -> {
            int before = installedVersion(connection);
            if (before > Migrations.CURRENT) {
                throw new SchemaException("the Agate tables at " + describe(connection) + " are at schema version " + before
                        + ", newer than this build of Agate knows (" + Migrations.CURRENT + "): upgrade Agate");
            }
            for (int version = before + 1; version <= Migrations.CURRENT; version++) {
                execute(connection, Migrations.step(version, dialect, names));
                recordVersion(connection, version);
            }
            if (before < Migrations.CURRENT) {
                log.info("Agate schema at {} upgraded from version {} to {}", describe(connection), before, Migrations.CURRENT);
            }
            return before;
        });
    }

    /**
     * Checks that the tables exist at this build's version.
     *
     * @throws SchemaException naming what is missing or different, and the command that fixes it
     */
    public void validate(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            int installed = installedVersion(connection);
            if (installed == 0) {
                throw new SchemaException("the Agate tables (" + names.incoming() + " and others) are missing at "
                        + describe(connection) + ": create them with `agate schema apply --db URL`, or start the host"
                        + " with schema mode CREATE_OR_UPGRADE");
            }
            if (installed != Migrations.CURRENT) {
                throw new SchemaException("the Agate tables at " + describe(connection) + " are at schema version " + installed
                        + " but this build expects " + Migrations.CURRENT
                        + (installed < Migrations.CURRENT ? ": upgrade them with `agate schema apply --db URL`" : ": upgrade Agate"));
            }
            for (String table : List.of(names.incoming(), names.outgoing(), names.deadLetters(), names.nodes(), names.leader(), names.nodeIds(),
                    names.audit())) {
                if (!tableExists(connection, table)) {
                    throw new SchemaException("table " + table + " is missing at " + describe(connection)
                            + " although the version table says " + installed + ": run `agate schema apply --db URL`");
                }
            }
        } catch (SQLException e) {
            throw new SchemaException("could not check the Agate tables: " + e.getMessage(), e);
        }
    }

    /** Applies, validates or does nothing, per {@code mode}. */
    public void ensure(DataSource dataSource, Mode mode) {
        switch (mode) {
            case CREATE_OR_UPGRADE -> apply(dataSource);
            case VALIDATE -> validate(dataSource);
            case NONE -> { }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    /** Drops every Agate table, with its rows, and creates them again. For tests: never on data you need. */
    public void rebuild(DataSource dataSource) {
        underLock(dataSource, "rebuild", connection -> {
            List<String> drops = new ArrayList<>();
            for (String table : List.of(names.incoming(), names.outgoing(), names.deadLetters(), names.nodes(), names.leader(), names.nodeIds(),
                    names.audit(), names.schemaVersion())) {
                drops.add("DROP TABLE IF EXISTS " + table);
            }
            execute(connection, drops);
            execute(connection, Migrations.versionTable(dialect, names));
            for (int version = 1; version <= Migrations.CURRENT; version++) {
                execute(connection, Migrations.step(version, dialect, names));
                recordVersion(connection, version);
            }
            return 0;
        });
        log.info("Agate schema rebuilt at version {}", Migrations.CURRENT);
    }

    /** The highest applied step, 0 when there is no version table. */
    int installedVersion(Connection connection) throws SQLException {
        if (!tableExists(connection, names.schemaVersion())) {
            return 0;
        }
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT MAX(version) FROM " + names.schemaVersion())) {
            return result.next() ? result.getInt(1) : 0;
        }
    }

    private interface SchemaWork {
        int run(Connection connection) throws SQLException;
    }

    private int underLock(DataSource dataSource, String what, SchemaWork work) {
        try (Connection connection = dataSource.getConnection()) {
            dialect.beginSchemaChange(connection, LOCK_WAIT);
            boolean done = false;
            try {
                execute(connection, dialect.createSchema(names));
                execute(connection, Migrations.versionTable(dialect, names));
                int result = work.run(connection);
                done = true;
                return result;
            } finally {
                dialect.endSchemaChange(connection, done);
            }
        } catch (SQLException e) {
            throw new SchemaException("could not " + what + " the Agate schema (" + dialect.name() + "): " + e.getMessage(), e);
        }
    }

    private static void execute(Connection connection, List<String> statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private void recordVersion(Connection connection, int version) throws SQLException {
        String sql = "INSERT INTO " + names.schemaVersion() + " (version, applied_at) VALUES (?, ?)";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setInt(1, version);
            if (dialect == Dialect.SQLITE) {
                insert.setLong(2, clock.millis());
            } else {
                insert.setTimestamp(2, Timestamp.from(clock.instant()));
            }
            insert.executeUpdate();
        }
    }

    /** Whether {@code table} can be queried: portable across the three databases, unlike catalog look-ups. */
    private static boolean tableExists(Connection connection, String table) throws SQLException {
        boolean transaction = !connection.getAutoCommit();
        java.sql.Savepoint savepoint = transaction ? connection.setSavepoint() : null;
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            if (savepoint != null) {
                connection.releaseSavepoint(savepoint);
            }
            return true;
        } catch (SQLException missing) {
            // PostgreSQL aborts the transaction on an error: go back to before the probe.
            if (savepoint != null) {
                connection.rollback(savepoint);
            }
            return false;
        }
    }

    /** The connection's URL without its query string, which may carry a password. */
    private static String describe(Connection connection) throws SQLException {
        String url = connection.getMetaData().getURL();
        int query = url == null ? -1 : url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }
}
