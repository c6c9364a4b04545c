package dev.agate.jdbc;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.ScheduledStore;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The scheduled rows of the inbox (status Scheduled, owned by nobody), for a person. Listings sort by
 * (execution_time, id), through the index over scheduled rows that also serves their firing. An action locks its
 * batch with a plain {@code FOR UPDATE}, which waits for a claim that holds a row (the firing takes due rows with
 * {@code FOR UPDATE SKIP LOCKED} and makes them incoming in the same transaction) and then reads the row as the
 * claim left it: a fired row is no longer scheduled and drops out. Each change also says
 * {@code status = 'Scheduled'}, so a row is changed only while it is scheduled, and fired or changed, never both.
 */
final class JdbcScheduled implements ScheduledStore {
    private static final String SCHEDULED = "status = '" + JdbcInbox.SCHEDULED + "'";

    private final Jdbc jdbc;
    private final JdbcAudit audit;
    private final String table;

    JdbcScheduled(Jdbc jdbc, JdbcAudit audit) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.table = jdbc.names.incoming();
    }

    @Override
    public Page<ScheduledMessage> query(ScheduledFilter filter, PageRequest page) {
        Conditions where = conditions(filter);
        Conditions after = where.copy().after("execution_time", page);
        String order = page.isNewestFirst() ? " DESC" : "";
        String sql = "SELECT id, execution_time, attempts, received_at, body FROM " + table + after.where()
                + " ORDER BY execution_time" + order + ", id" + order + " LIMIT ?";
        return jdbc.inTransaction("querying scheduled envelopes", c -> {
            List<ScheduledMessage> messages = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement(sql)) {
                query.setInt(after.bind(query, 1), page.limit() + 1);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        URI endpoint = URI.create(rows.getString("received_at"));
                        int attempts = rows.getInt("attempts");
                        messages.add(new ScheduledMessage(EnvelopeCodec.decode(rows.getBytes("body")).toBuilder().attempts(attempts)
                                .destination(endpoint).build(), endpoint, jdbc.dialect.getTime(rows, "execution_time"), attempts));
                    }
                }
            }
            return page.toPage(messages, JdbcAudit.count(c, "SELECT COUNT(*) FROM " + table, where), ScheduledMessage::position);
        });
    }

    @Override
    public long count(ScheduledFilter filter) {
        return jdbc.inTransaction("counting scheduled envelopes", c -> JdbcAudit.count(c, "SELECT COUNT(*) FROM " + table, conditions(filter)));
    }

    @Override
    public ActionResult cancel(ScheduledFilter filter, String actor, Instant now, Instant keepIdUntil) {
        AuditEntry entry = JdbcAudit.begin(now, actor, AuditEntry.Action.SCHEDULED_CANCEL, filter.toString(), null);
        String sql = "UPDATE " + table + " SET status = '" + JdbcInbox.HANDLED + "', owner_id = 0, keep_until = ?, body = ? WHERE {ids} AND " + SCHEDULED;
        return inBatches("cancelling scheduled envelopes", conditions(filter), entry, (c, ids) -> change(c, sql, ids, (s, i) -> {
            jdbc.dialect.setTime(s, i, keepIdUntil);
            s.setBytes(i + 1, JdbcInbox.NO_BODY);
            return i + 2;
        }));
    }

    @Override
    public ActionResult reschedule(ScheduledFilter filter, Instant at, String actor, Instant now) {
        AuditEntry entry = JdbcAudit.begin(now, actor, AuditEntry.Action.SCHEDULED_RESCHEDULE, filter.toString(), "to " + at);
        // Rows due at the time asked are left out, so a row moved there is not met again further on.
        Conditions where = conditions(filter);
        long already = jdbc.inTransaction("counting scheduled envelopes", c -> JdbcAudit.count(c, "SELECT COUNT(*) FROM " + table,
                where.copy().time("execution_time = ?", at)));
        String sql = "UPDATE " + table + " SET execution_time = ? WHERE {ids} AND " + SCHEDULED;
        ActionResult moved = inBatches("rescheduling scheduled envelopes", where.time("execution_time <> ?", at), entry,
                (c, ids) -> change(c, sql, ids, (s, i) -> {
                    jdbc.dialect.setTime(s, i, at);
                    return i + 1;
                }));
        return ActionResult.of(moved.touched(), moved.skipped() + (int) already);
    }

    /** What one batch of an action does with its locked ids; returns how many rows it changed. */
    private interface IdsWork {
        int run(Connection c, List<UUID> ids) throws SQLException;
    }

    /** Runs an action over the rows {@code where} matches, soonest due first, up to the last that matched when it began. */
    private ActionResult inBatches(String operation, Conditions where, AuditEntry entry, IdsWork work) {
        PageRequest.Position last = jdbc.inTransaction(operation, c -> latest(c, where));
        Conditions upTo = last == null ? null : where.copy().upTo("execution_time", last);
        return audit.inBatches(operation, entry, (c, after) -> {
            if (upTo == null) {
                return new JdbcAudit.Step(0, null, 0, 0);
            }
            Conditions batch = after == null ? upTo : upTo.copy().after("execution_time", after);
            List<PageRequest.Position> rows = lock(c, batch);
            int changed = rows.isEmpty() ? 0 : work.run(c, rows.stream().map(PageRequest.Position::id).toList());
            return new JdbcAudit.Step(rows.size(), rows.isEmpty() ? after : rows.get(rows.size() - 1), changed, rows.size() - changed);
        });
    }

    private PageRequest.Position latest(Connection c, Conditions where) throws SQLException {
        String sql = "SELECT execution_time, id FROM " + table + where.where() + " ORDER BY execution_time DESC, id DESC LIMIT 1";
        try (PreparedStatement query = c.prepareStatement(sql)) {
            where.bind(query, 1);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? new PageRequest.Position(jdbc.dialect.getTime(rows, "execution_time"), jdbc.dialect.getUuid(rows, "id")) : null;
            }
        }
    }

    private List<PageRequest.Position> lock(Connection c, Conditions where) throws SQLException {
        String sql = "SELECT execution_time, id FROM " + table + where.where() + " ORDER BY execution_time, id LIMIT ?" + jdbc.dialect.lockClause();
        List<PageRequest.Position> rows = new ArrayList<>();
        try (PreparedStatement query = c.prepareStatement(sql)) {
            query.setInt(where.bind(query, 1), DeadLetterStore.ACTION_BATCH);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(new PageRequest.Position(jdbc.dialect.getTime(result, "execution_time"), jdbc.dialect.getUuid(result, "id")));
                }
            }
        }
        return rows;
    }

    private interface Leading {
        int bind(PreparedStatement statement, int first) throws SQLException;
    }

    private int change(Connection c, String sql, List<UUID> ids, Leading leading) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql.replace("{ids}", "id IN (" + Jdbc.placeholders(ids.size()) + ")"))) {
            jdbc.bindIds(statement, leading.bind(statement, 1), ids);
            return statement.executeUpdate();
        }
    }

    private Conditions conditions(ScheduledFilter filter) {
        return new Conditions(jdbc.dialect).add(SCHEDULED).ids(filter.ids()).text("message_type", filter.messageType())
                .text("received_at", filter.endpoint() == null ? null : filter.endpoint().toString())
                .time("execution_time >= ?", filter.dueSince()).time("execution_time < ?", filter.dueUntil());
    }
}
