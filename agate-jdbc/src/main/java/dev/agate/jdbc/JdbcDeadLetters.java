package dev.agate.jdbc;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
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
 * each one transaction across the dead-letter and incoming tables, so an envelope is always in exactly
 * one of them to be handled: a dead-lettered envelope's incoming row stays, as handled and without its
 * body, until the deduplication horizon, so that a resend of it is a duplicate. Filters are an optional
 * id and an optional message type.
 */
final class JdbcDeadLetters implements DeadLetterStore {
    private static final String COLUMNS = "id, message_type, received_at, reason, exception_type, exception_message,"
            + " stack_trace, attempts, failed_at, replayable, expires_at, body";

    private final Jdbc jdbc;
    private final String table;
    private final String incoming;

    JdbcDeadLetters(Jdbc jdbc) {
        this.jdbc = jdbc;
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

    /** Writes the dead letter, replacing an older one of the same id. */
    private void insert(Connection c, DeadLetter letter, Instant expiresAt) throws SQLException {
        {
            deleteById(c, table, letter.id());
            String sql = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (" + Jdbc.placeholders(12) + ")";
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
    }

    @Override
    public List<DeadLetter> list(String messageType, int limit) {
        return jdbc.inTransaction("listing dead letters", c -> select(c, null, messageType, limit, ""));
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        return jdbc.inTransaction("finding dead letter " + id, c -> select(c, id, null, 1, "").stream().findFirst());
    }

    @Override
    public List<DeadLetter> replay(UUID id, String messageType) {
        // Locks like a claim, so on MariaDB it may be picked as a deadlock victim too: run it again then.
        return JdbcInbox.claimRetrying(jdbc, "replaying dead letters", c -> {
            List<DeadLetter> letters = select(c, id, messageType, Integer.MAX_VALUE, jdbc.dialect.claimLockClause());
            List<DeadLetter> replayed = new ArrayList<>();
            for (DeadLetter letter : letters) {
                if (letter.endpoint() == null) {
                    continue; // nowhere to replay it to
                }
                // Attempts start over and an old expiry no longer applies: a person decided to try again now.
                Envelope envelope = letter.envelope().toBuilder().attempts(0).deliverBy(null).scheduledTime(null).build();
                deleteById(c, incoming, envelope.id());
                String sql = "INSERT INTO " + incoming + " (id, status, owner_id, execution_time, attempts, message_type, received_at, body)"
                        + " VALUES (?, '" + JdbcInbox.INCOMING + "', 0, NULL, 0, ?, ?, ?)";
                try (PreparedStatement insert = c.prepareStatement(sql)) {
                    jdbc.dialect.setUuid(insert, 1, envelope.id());
                    insert.setString(2, envelope.messageType());
                    insert.setString(3, letter.endpoint().toString());
                    insert.setBytes(4, EnvelopeCodec.encode(envelope));
                    insert.executeUpdate();
                }
                deleteById(c, table, envelope.id());
                replayed.add(letter);
            }
            return replayed;
        });
    }

    @Override
    public int purge(UUID id, String messageType) {
        return jdbc.inTransaction("purging dead letters", c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + where(id, messageType))) {
                bindFilters(delete, id, messageType);
                return delete.executeUpdate();
            }
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

    private List<DeadLetter> select(Connection c, UUID id, String messageType, int limit, String lock) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM " + table + where(id, messageType) + " ORDER BY failed_at, id LIMIT ?" + lock;
        List<DeadLetter> letters = new ArrayList<>();
        try (PreparedStatement query = c.prepareStatement(sql)) {
            int next = bindFilters(query, id, messageType);
            query.setInt(next, limit);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    letters.add(read(rows));
                }
            }
        }
        return letters;
    }

    private DeadLetter read(ResultSet rows) throws SQLException {
        Envelope envelope = EnvelopeCodec.decode(rows.getBytes("body"));
        String endpoint = rows.getString("received_at");
        return new DeadLetter(envelope, endpoint == null ? null : URI.create(endpoint), rows.getString("reason"),
                rows.getString("exception_type"), rows.getString("exception_message"), rows.getString("stack_trace"),
                rows.getInt("attempts"), jdbc.dialect.getTime(rows, "failed_at"));
    }

    private static String where(UUID id, String messageType) {
        List<String> conditions = new ArrayList<>();
        if (id != null) {
            conditions.add("id = ?");
        }
        if (messageType != null) {
            conditions.add("message_type = ?");
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** Binds the filters that {@link #where} named; returns the next parameter index. */
    private int bindFilters(PreparedStatement statement, UUID id, String messageType) throws SQLException {
        int index = 1;
        if (id != null) {
            jdbc.dialect.setUuid(statement, index++, id);
        }
        if (messageType != null) {
            statement.setString(index++, messageType);
        }
        return index;
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
