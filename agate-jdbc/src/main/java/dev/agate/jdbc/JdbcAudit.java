package dev.agate.jdbc;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.Uuid7;
import dev.agate.spi.DeadLetterStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit table, and how an operator's action runs against it: in transactions of at most
 * {@link DeadLetterStore#ACTION_BATCH} rows, the first of which writes the action's entry and each later one
 * adds its count to it, so the entry always says what was committed. Thread-safe.
 */
final class JdbcAudit {
    private static final String COLUMNS = "id, acted_at, actor, action, selection, detail, touched";

    private final Jdbc jdbc;
    private final String table;

    JdbcAudit(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.table = jdbc.names.audit();
    }

    /** What one batch of an action did. */
    record Step(int rows, PageRequest.Position last, int touched, int skipped) {
    }

    /** One batch: the rows after {@code after} (null: from the first), changed in the caller's transaction. */
    interface Batch {
        Step run(Connection c, PageRequest.Position after) throws SQLException;
    }

    /** A new entry for an action that begins now. */
    static AuditEntry begin(Instant now, String actor, AuditEntry.Action action, String selection, String detail) {
        return new AuditEntry(Uuid7.next(), now, AuditEntry.checkActor(actor), action, selection, detail, 0);
    }

    /**
     * Runs {@code batch} in transactions of their own, each retried when the database picks it as a deadlock victim,
     * until a batch finds fewer rows than {@link DeadLetterStore#ACTION_BATCH}; audited as {@code entry}.
     */
    ActionResult inBatches(String operation, AuditEntry entry, Batch batch) {
        boolean recorded = false;
        PageRequest.Position after = null;
        int touched = 0;
        int skipped = 0;
        while (true) {
            PageRequest.Position from = after;
            boolean first = !recorded;
            Step step = JdbcInbox.claimRetrying(jdbc, operation, c -> {
                Step done = batch.run(c, from);
                if (first) {
                    insert(c, entry, done.touched());
                } else if (done.touched() > 0) {
                    addTouched(c, entry, done.touched());
                }
                return done;
            });
            recorded = true;
            touched += step.touched();
            skipped += step.skipped();
            if (step.rows() < DeadLetterStore.ACTION_BATCH) {
                return ActionResult.of(touched, skipped);
            }
            after = step.last();
        }
    }

    /** Writes an entry in the caller's transaction, with what it touched. */
    void insert(Connection c, AuditEntry entry, int touched) throws SQLException {
        String sql = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (" + Jdbc.placeholders(7) + ")";
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            jdbc.dialect.setUuid(insert, 1, entry.id());
            jdbc.dialect.setTime(insert, 2, entry.at());
            insert.setString(3, entry.actor());
            insert.setString(4, entry.action().name());
            insert.setString(5, entry.selection());
            insert.setString(6, entry.detail());
            insert.setInt(7, touched);
            insert.executeUpdate();
        }
    }

    private void addTouched(Connection c, AuditEntry entry, int touched) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET touched = touched + ? WHERE id = ?")) {
            update.setInt(1, touched);
            jdbc.dialect.setUuid(update, 2, entry.id());
            update.executeUpdate();
        }
    }

    Page<AuditEntry> read(PageRequest page) {
        Conditions where = new Conditions(jdbc.dialect).after("acted_at", page);
        String order = page.isNewestFirst() ? " DESC" : "";
        String sql = "SELECT " + COLUMNS + " FROM " + table + where.where() + " ORDER BY acted_at" + order + ", id" + order + " LIMIT ?";
        return jdbc.inTransaction("reading the audit", c -> {
            List<AuditEntry> entries = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement(sql)) {
                query.setInt(where.bind(query, 1), page.limit() + 1);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new AuditEntry(jdbc.dialect.getUuid(rows, "id"), jdbc.dialect.getTime(rows, "acted_at"), rows.getString("actor"),
                                AuditEntry.Action.valueOf(rows.getString("action")), rows.getString("selection"), rows.getString("detail"),
                                rows.getInt("touched")));
                    }
                }
            }
            return page.toPage(entries, count(c, "SELECT COUNT(*) FROM " + table, new Conditions(jdbc.dialect)), AuditEntry::position);
        });
    }

    /** Runs a {@code SELECT COUNT(*) ...} with {@code where}'s conditions appended. */
    static long count(Connection c, String select, Conditions where) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(select + where.where())) {
            where.bind(query, 1);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
