package dev.agate.jdbc;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.Uuid7;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Dead letters on a relational database. Moving an envelope to the dead letters and replaying it are
 * each one transaction across the dead-letter and incoming tables, so an envelope is in the inbox to be handled
 * at most once: a dead-lettered envelope's incoming row stays, as handled and without its body, until the
 * deduplication horizon, so that a resend of it is a duplicate; a replay puts it back as incoming and marks the
 * dead letter replayed in the same transaction, and only a dead letter not marked yet, read under a row lock, is
 * replayed, so two replays at once put it back once.
 *
 * <p>Listings sort by (failed_at, id) and page by position: each filter on an exact column is served by an index
 * that leads with it and ends with (failed_at, id) (schema step 5). Actions go through the matching rows in that
 * order, {@link #ACTION_BATCH} per transaction, locked, up to the last row that matched when they began.
 */
final class JdbcDeadLetters implements DeadLetterStore {
    private static final String INSERT_COLUMNS = "id, message_type, received_at, reason, exception_type, exception_message,"
            + " stack_trace, attempts, failed_at, replayable, expires_at, body";
    private static final String COLUMNS = INSERT_COLUMNS + ", replayed_at, replayed_by, replayed_as";

    private final Jdbc jdbc;
    private final JdbcAudit audit;
    private final String table;
    private final String incoming;

    JdbcDeadLetters(Jdbc jdbc, JdbcAudit audit) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.table = jdbc.names.deadLetters();
        this.incoming = jdbc.names.incoming();
    }

    @Override
    public void moveFromInbox(DeadLetter letter, Instant expiresAt, Instant keepIdUntil) {
        jdbc.inTransaction("moving envelope " + letter.id() + " to the dead letters", c -> {
            insert(c, letter, expiresAt);
            keepIdOnly(c, letter.id(), keepIdUntil, "", -1);
            return null;
        });
    }

    @Override
    public boolean moveFromInbox(StoreTransaction transaction, DeadLetter letter, int ownerId, Instant expiresAt, Instant keepIdUntil) {
        return jdbc.inTransaction(transaction, "moving envelope " + letter.id() + " to the dead letters", c -> {
            if (!keepIdOnly(c, letter.id(), keepIdUntil, " AND status = '" + JdbcInbox.INCOMING + "' AND " + JdbcInbox.OWNED_BY, ownerId)) {
                return false;
            }
            insert(c, letter, expiresAt);
            return true;
        });
    }

    /** Makes the incoming row of {@code id} (matching {@code condition}, whose parameter is {@code ownerId}) a handled one without its body. */
    private boolean keepIdOnly(Connection c, UUID id, Instant keepUntil, String condition, int ownerId) throws SQLException {
        String sql = "UPDATE " + incoming + " SET status = '" + JdbcInbox.HANDLED + "', owner_id = 0, keep_until = ?, body = ?"
                + " WHERE id = ?" + condition;
        try (PreparedStatement update = c.prepareStatement(sql)) {
            jdbc.dialect.setTime(update, 1, keepUntil);
            update.setBytes(2, JdbcInbox.NO_BODY);
            jdbc.dialect.setUuid(update, 3, id);
            if (!condition.isEmpty()) {
                update.setInt(4, ownerId);
            }
            return update.executeUpdate() == 1;
        }
    }

    /**
     * Writes the dead letter, not replayed, replacing an older one of the same id (replayed or not). The older one is
     * looked for first and deleted only when there is one: on MariaDB a DELETE that finds no row locks the gap where
     * the id would be, and two handlers dead-lettering neighbouring ids (UUIDv7s share the end of the index) then each
     * wait for the other's gap to insert, a deadlock that rolled back both handlings.
     */
    private void insert(Connection c, DeadLetter letter, Instant expiresAt) throws SQLException {
        if (exists(c, letter.id())) {
            deleteById(c, table, letter.id());
        }
        String sql = "INSERT INTO " + table + " (" + INSERT_COLUMNS + ") VALUES (" + Jdbc.placeholders(12) + ")";
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            jdbc.dialect.setUuid(insert, 1, letter.id());
            insert.setString(2, letter.envelope().messageType());
            insert.setString(3, letter.endpoint() == null ? null : letter.endpoint().toString());
            insert.setString(4, truncate(letter.reason(), 1000));
            insert.setString(5, truncate(letter.exceptionType(), 500));
            insert.setString(6, letter.exceptionMessage());
            insert.setString(7, letter.stackTrace());
            insert.setInt(8, letter.attempts());
            jdbc.dialect.setTime(insert, 9, letter.failedAt());
            jdbc.dialect.setBoolean(insert, 10, letter.endpoint() != null);
            jdbc.dialect.setTime(insert, 11, expiresAt);
            insert.setBytes(12, EnvelopeCodec.encode(letter.envelope()));
            insert.executeUpdate();
        }
    }

    @Override
    public Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page) {
        Conditions where = conditions(filter);
        Conditions after = where.copy().after("failed_at", page);
        String order = page.isNewestFirst() ? " DESC" : "";
        String sql = "SELECT " + COLUMNS + " FROM " + table + after.where() + " ORDER BY failed_at" + order + ", id" + order + " LIMIT ?";
        return jdbc.inTransaction("querying dead letters", c -> {
            List<DeadLetter> letters = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement(sql)) {
                query.setInt(after.bind(query, 1), page.limit() + 1);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        letters.add(read(rows));
                    }
                }
            }
            return page.toPage(letters, JdbcAudit.count(c, "SELECT COUNT(*) FROM " + table, where), DeadLetter::position);
        });
    }

    @Override
    public long count(DeadLetterFilter filter) {
        return jdbc.inTransaction("counting dead letters", c -> JdbcAudit.count(c, "SELECT COUNT(*) FROM " + table, conditions(filter)));
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        return query(DeadLetterFilter.ids(id), PageRequest.first(1)).items().stream().findFirst();
    }

    @Override
    public ActionResult replay(DeadLetterFilter filter, String actor, Instant now) {
        AuditEntry entry = JdbcAudit.begin(now, actor, AuditEntry.Action.DEAD_LETTERS_REPLAY, filter.toString(), null);
        return inBatches("replaying dead letters", filter, entry, (c, rows) -> {
            List<Row> replay = rows.stream().filter(row -> row.replayedAt == null && row.endpoint != null).toList();
            if (!replay.isEmpty()) {
                List<UUID> ids = replay.stream().map(row -> row.id).toList();
                changeAll(c, "UPDATE " + table + " SET replayed_at = ?, replayed_by = ?, replayed_as = id WHERE {ids}", ids, (s, i) -> {
                    jdbc.dialect.setTime(s, i, now);
                    s.setString(i + 1, actor);
                    return i + 2;
                });
                changeAll(c, "DELETE FROM " + incoming + " WHERE {ids}", ids, (s, i) -> i);
                putBack(c, replay.stream().map(row -> new Back(row.envelope(), row.endpoint)).toList());
            }
            return replay.size();
        });
    }

    @Override
    public ActionResult delete(DeadLetterFilter filter, String actor, Instant now) {
        AuditEntry entry = JdbcAudit.begin(now, actor, AuditEntry.Action.DEAD_LETTERS_DELETE, filter.toString(), null);
        return inBatches("deleting dead letters", filter, entry, (c, rows) -> {
            changeAll(c, "DELETE FROM " + table + " WHERE {ids}", rows.stream().map(row -> row.id).toList(), (s, i) -> i);
            return rows.size();
        });
    }

    @Override
    public ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor, Instant now) {
        AuditEntry entry = JdbcAudit.begin(now, actor, AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, DeadLetterFilter.ids(id).toString(), null);
        String select = "SELECT " + COLUMNS + " FROM " + table + " WHERE id = ?" + jdbc.dialect.lockClause();
        return JdbcInbox.claimRetrying(jdbc, "replaying dead letter " + id + " edited", c -> {
            DeadLetter letter = null;
            try (PreparedStatement query = c.prepareStatement(select)) {
                jdbc.dialect.setUuid(query, 1, id);
                try (ResultSet rows = query.executeQuery()) {
                    if (rows.next()) {
                        letter = read(rows);
                    }
                }
            }
            if (letter == null || letter.isReplayed() || !letter.isReplayable()) {
                audit.insert(c, entry, 0);
                return letter == null ? ActionResult.of(0, 0) : new ActionResult(0, 1, letter.isReplayed() ? letter.replay().envelopeId() : null);
            }
            UUID newId = Uuid7.next();
            putBack(c, List.of(new Back(edit.applyTo(letter.envelope(), newId), letter.endpoint())));
            try (PreparedStatement mark = c.prepareStatement("UPDATE " + table + " SET replayed_at = ?, replayed_by = ?, replayed_as = ? WHERE id = ?")) {
                jdbc.dialect.setTime(mark, 1, now);
                mark.setString(2, actor);
                jdbc.dialect.setUuid(mark, 3, newId);
                jdbc.dialect.setUuid(mark, 4, id);
                mark.executeUpdate();
            }
            audit.insert(c, new AuditEntry(entry.id(), entry.at(), actor, entry.action(), entry.selection(),
                    "as " + newId + ": " + edit.describe(), 0), 1);
            return new ActionResult(1, 0, newId);
        });
    }

    @Override
    public int deleteExpired(Instant now, int limit) {
        return jdbc.inTransaction("deleting expired dead letters", c -> {
            try (PreparedStatement delete = c.prepareStatement(jdbc.dialect.deleteLimited(table, "expires_at IS NOT NULL AND expires_at < ?"))) {
                jdbc.dialect.setTime(delete, 1, now);
                delete.setInt(2, limit);
                return delete.executeUpdate();
            }
        });
    }

    /** A dead letter as an action reads it: what it needs to decide, and to put the envelope back. */
    private record Row(UUID id, Instant failedAt, URI endpoint, Instant replayedAt, String messageType, byte[] body) {
        Envelope envelope() {
            return EnvelopeCodec.decode(body);
        }
    }

    /** What one batch of an action does with its locked rows; returns how many it changed. */
    private interface RowsWork {
        int run(Connection c, List<Row> rows) throws SQLException;
    }

    /**
     * Runs an action over the letters {@code filter} matches, oldest first, up to the newest that matched when it
     * began, {@link #ACTION_BATCH} locked rows per transaction.
     */
    private ActionResult inBatches(String operation, DeadLetterFilter filter, AuditEntry entry, RowsWork work) {
        Conditions where = conditions(filter);
        PageRequest.Position last = jdbc.inTransaction(operation, c -> newest(c, where));
        Conditions upTo = last == null ? null : where.copy().upTo("failed_at", last);
        return audit.inBatches(operation, entry, (c, after) -> {
            if (upTo == null) {
                return new JdbcAudit.Step(0, null, 0, 0);
            }
            Conditions batch = upTo.copy();
            if (after != null) {
                batch.after("failed_at", after);
            }
            List<Row> rows = lock(c, batch);
            int touched = rows.isEmpty() ? 0 : work.run(c, rows);
            return new JdbcAudit.Step(rows.size(), rows.isEmpty() ? after : position(rows.get(rows.size() - 1)), touched, rows.size() - touched);
        });
    }

    private static PageRequest.Position position(Row row) {
        return new PageRequest.Position(row.failedAt, row.id);
    }

    /** The position of the newest letter {@code where} matches, or null when none does. */
    private PageRequest.Position newest(Connection c, Conditions where) throws SQLException {
        String sql = "SELECT failed_at, id FROM " + table + where.where() + " ORDER BY failed_at DESC, id DESC LIMIT 1";
        try (PreparedStatement query = c.prepareStatement(sql)) {
            where.bind(query, 1);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? new PageRequest.Position(jdbc.dialect.getTime(rows, "failed_at"), jdbc.dialect.getUuid(rows, "id")) : null;
            }
        }
    }

    /** Reads and locks the next batch of rows {@code where} matches, oldest first. */
    private List<Row> lock(Connection c, Conditions where) throws SQLException {
        String sql = "SELECT id, failed_at, received_at, replayed_at, message_type, body FROM " + table + where.where()
                + " ORDER BY failed_at, id LIMIT ?" + jdbc.dialect.lockClause();
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement query = c.prepareStatement(sql)) {
            query.setInt(where.bind(query, 1), ACTION_BATCH);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    String endpoint = result.getString("received_at");
                    rows.add(new Row(jdbc.dialect.getUuid(result, "id"), jdbc.dialect.getTime(result, "failed_at"),
                            endpoint == null ? null : URI.create(endpoint), jdbc.dialect.getTime(result, "replayed_at"),
                            result.getString("message_type"), result.getBytes("body")));
                }
            }
        }
        return rows;
    }

    /** An envelope going back into the inbox, and where. */
    private record Back(Envelope envelope, URI endpoint) {
    }

    /**
     * Puts envelopes into the inbox at their endpoints as incoming, unowned: attempts start over and an old expiry or
     * scheduled time no longer applies (a person decided to try again now). Their ids must not be in the inbox.
     */
    private void putBack(Connection c, List<Back> backs) throws SQLException {
        String sql = "INSERT INTO " + incoming + " (id, status, owner_id, execution_time, attempts, message_type, received_at, body) VALUES "
                + String.join(", ", java.util.Collections.nCopies(backs.size(), "(?, '" + JdbcInbox.INCOMING + "', 0, NULL, 0, ?, ?, ?)"));
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            int p = 1;
            for (Back back : backs) {
                Envelope fresh = back.envelope().toBuilder().attempts(0).deliverBy(null).scheduledTime(null).build();
                jdbc.dialect.setUuid(insert, p++, fresh.id());
                insert.setString(p++, fresh.messageType());
                insert.setString(p++, back.endpoint().toString());
                insert.setBytes(p++, EnvelopeCodec.encode(fresh));
            }
            insert.executeUpdate();
        }
    }

    /** Binds what comes before the ids; returns the index of the first id. */
    private interface Leading {
        int bind(PreparedStatement statement, int first) throws SQLException;
    }

    /** Runs {@code sql}, which says {@code {ids}} where {@code id IN (...)} goes, on {@code ids} (at most one batch). */
    private void changeAll(Connection c, String sql, List<UUID> ids, Leading leading) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql.replace("{ids}", "id IN (" + Jdbc.placeholders(ids.size()) + ")"))) {
            jdbc.bindIds(statement, leading.bind(statement, 1), ids);
            statement.executeUpdate();
        }
    }

    /** The conditions of a filter, on this table's columns. */
    private Conditions conditions(DeadLetterFilter filter) {
        Conditions where = new Conditions(jdbc.dialect).ids(filter.ids()).text("message_type", filter.messageType())
                .text("exception_type", filter.exceptionType()).contains("exception_message", filter.exceptionMessage())
                .text("received_at", filter.endpoint() == null ? null : filter.endpoint().toString())
                .time("failed_at >= ?", filter.since()).time("failed_at < ?", filter.until());
        if (filter.replayed() != null) {
            where.add(filter.replayed() ? "replayed_at IS NOT NULL" : "replayed_at IS NULL");
        }
        return where;
    }

    private DeadLetter read(ResultSet rows) throws SQLException {
        Envelope envelope = EnvelopeCodec.decode(rows.getBytes("body"));
        String endpoint = rows.getString("received_at");
        Instant replayedAt = jdbc.dialect.getTime(rows, "replayed_at");
        DeadLetter.Replay replay = replayedAt == null ? null
                : new DeadLetter.Replay(replayedAt, rows.getString("replayed_by"), jdbc.dialect.getUuid(rows, "replayed_as"));
        return new DeadLetter(envelope, endpoint == null ? null : URI.create(endpoint), rows.getString("reason"),
                rows.getString("exception_type"), rows.getString("exception_message"), rows.getString("stack_trace"),
                rows.getInt("attempts"), jdbc.dialect.getTime(rows, "failed_at"), replay);
    }

    private boolean exists(Connection c, UUID id) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
            jdbc.dialect.setUuid(query, 1, id);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private void deleteById(Connection c, String from, UUID id) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + from + " WHERE id = ?")) {
            jdbc.dialect.setUuid(delete, 1, id);
            delete.executeUpdate();
        }
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
