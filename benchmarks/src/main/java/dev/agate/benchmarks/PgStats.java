package dev.agate.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a PostgreSQL row costs the server, read on connections of its own (outside the row's pool, so they
 * count in no row's round trips):
 * <ul>
 *   <li>WAL bytes: {@code pg_current_wal_lsn()} before and after the measured phase, their
 *       {@code pg_wal_lsn_diff}. The WAL is the whole server's: whatever another database on it writes during
 *       the phase (another test suite, autovacuum) is in the figure too, so read it as an upper bound;</li>
 *   <li>which indexes a workload used: {@code pg_stat_user_indexes.idx_scan} per index of Agate's envelope tables
 *       and of the benchmark's own tables, once the row's pools are closed ({@link #indexScans}).</li>
 * </ul>
 */
final class PgStats {
    /** How long {@link #indexScans} waits for the row's other sessions to end (a session flushes its counts as it ends). */
    private static final long SESSIONS_END_TIMEOUT_MILLIS = 5_000;

    private PgStats() {
    }

    static boolean isPostgres(String url) {
        return url != null && url.startsWith("jdbc:postgresql:");
    }

    /** The server's current WAL location ({@code pg_current_wal_lsn()}), or null when {@code url} is not PostgreSQL's. */
    static String walLsn(String url) throws SQLException {
        if (!isPostgres(url)) {
            return null;
        }
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            row.next();
            return row.getString(1);
        }
    }

    /** WAL bytes written from {@code before} until now ({@code pg_wal_lsn_diff}); -1 when {@code before} is null. */
    static long walBytesSince(String url, String before) throws SQLException {
        if (before == null) {
            return -1;
        }
        try (Connection connection = DriverManager.getConnection(url);
             PreparedStatement statement = connection.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)::bigint")) {
            statement.setString(1, before);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /**
     * One line for stderr: {@code idx_scan} of each index of Agate's envelope tables
     * ({@code agate_incoming_envelopes}, {@code agate_outgoing_envelopes}) and of the tables that are not Agate's
     * (the benchmark's own: {@code bench_*}, {@code ledger}, {@code sent}, {@code received}, a peer's), as
     * {@code table.index=N}. Call it once the row's pools are closed: a session hands its counts to the server's
     * statistics when it ends (while open, only every few seconds), so this waits, up to 5 s, for the database's
     * other sessions to end. The counts are since the database was made: warm-up and measured phases together.
     * Null when {@code url} is not PostgreSQL's.
     */
    static String indexScans(String url, String label) throws SQLException, InterruptedException {
        if (!isPostgres(url)) {
            return null;
        }
        try (Connection connection = DriverManager.getConnection(url)) {
            long deadline = System.currentTimeMillis() + SESSIONS_END_TIMEOUT_MILLIS;
            long others;
            while ((others = otherSessions(connection)) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            List<String> counts = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT relname, indexrelname, idx_scan FROM pg_stat_user_indexes"
                         + " WHERE relname IN ('agate_incoming_envelopes', 'agate_outgoing_envelopes') OR relname NOT LIKE 'agate%'"
                         + " ORDER BY relname, indexrelname")) {
                while (rows.next()) {
                    counts.add(rows.getString(1) + "." + rows.getString(2) + "=" + rows.getLong(3));
                }
            }
            return String.format(Locale.ROOT, "index scans, %s (pg_stat_user_indexes.idx_scan, warm-up and measured phases%s): %s",
                    label, others > 0 ? "; " + others + " sessions still open, their last counts may be missing" : "",
                    counts.isEmpty() ? "no indexes" : String.join(" ", counts));
        }
    }

    /** Prints {@link #indexScans} on stderr; a failure to read them is printed, not thrown (the row's figures stand). */
    static void printIndexScans(String url, String label) {
        try {
            String line = indexScans(url, label);
            if (line != null) {
                System.err.println("[bench] " + line);
            }
        } catch (SQLException e) {
            System.err.println("[bench] index scans, " + label + ": could not read them: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long otherSessions(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            row.next();
            return row.getLong(1);
        }
    }
}
