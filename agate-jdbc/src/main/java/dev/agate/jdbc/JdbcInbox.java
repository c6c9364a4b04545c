package dev.agate.jdbc;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.ClaimOutcomeUnknownException;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.Inbox;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbox on a relational database. Batches are one statement: a multi-row insert that skips
 * duplicates and returns what it inserted, updates and deletes by id lists. Claims select with the
 * dialect's {@code FOR UPDATE SKIP LOCKED} (or under SQLite's single writer) and update the owner in the
 * same transaction, so two nodes never claim one row.
 */
final class JdbcInbox implements Inbox {
    private static final Logger log = LoggerFactory.getLogger(JdbcInbox.class);
    static final String INCOMING = "Incoming";
    /**
     * The owner check of a statement that finds its rows by primary key. Written so that no index on
     * {@code owner_id} can serve it: with statistics that lag a table that grew in a burst, PostgreSQL chose
     * the old recovery index (owner_id, received_at) for {@code id = ? AND owner_id = ?} and read every
     * incoming row of the node for each handled mark, so a backlog made each handling slower (a full benchmark
     * run fell to 400 msg/s with a 40 s p99). Since schema step 4 the owner indexes are partial, over rows
     * whose owner is 0 or not 0, which this filter does not imply either: two reasons for one plan.
     */
    static final String OWNED_BY = "owner_id + 0 = ?";
    static final String SCHEDULED = "Scheduled";
    static final String HANDLED = "Handled";
    /**
     * The body of a handled row: only its id (and when it may go) is needed to recognize a duplicate, so
     * the envelope is dropped as it is marked and the row kept small until the deduplication horizon.
     */
    static final byte[] NO_BODY = new byte[0];
    private static final int COLUMNS = 9;
    /** How often a claim runs before a deadlock fails it. */
    private static final int CLAIM_TRIES = 12;

    private final Jdbc jdbc;
    private final String table;
    private final Jdbc.InsertSql inserts;

    JdbcInbox(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.table = jdbc.names.incoming();
        this.inserts = new Jdbc.InsertSql(this::insertSql);
    }

    @Override
    public Set<UUID> store(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, int ownerId, Instant now) {
        if (envelopes.isEmpty()) {
            return Set.of();
        }
        return jdbc.insertChunks(transaction, "storing " + envelopes.size() + " incoming envelope(s) for " + endpoint, envelopes,
                (c, chunk, andCommit) -> insert(c, endpoint, chunk, ownerId, now, andCommit));
    }

    private String insertSql(int rows) {
        StringBuilder sql = new StringBuilder(jdbc.dialect.insertIgnoringDuplicates()).append(' ').append(table)
                .append(" (id, status, owner_id, execution_time, attempts, message_type, received_at, body, takes) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append('(').append(Jdbc.placeholders(COLUMNS)).append(')');
        }
        return sql.append(jdbc.dialect.insertedIdsSuffix()).toString();
    }

    private Set<UUID> insert(Connection c, URI endpoint, List<Envelope> chunk, int ownerId, Instant now, boolean andCommit) throws SQLException {
        Set<UUID> duplicates = new HashSet<>();
        String sql = inserts.of(chunk.size(), andCommit);
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            int p = 1;
            for (Envelope envelope : chunk) {
                boolean later = envelope.scheduledTime() != null && envelope.scheduledTime().isAfter(now);
                duplicates.add(envelope.id());
                jdbc.dialect.setUuid(insert, p++, envelope.id());
                insert.setString(p++, later ? SCHEDULED : INCOMING);
                insert.setInt(p++, later ? 0 : ownerId);
                jdbc.dialect.setTime(insert, p++, later ? envelope.scheduledTime() : null);
                insert.setInt(p++, envelope.attempts());
                insert.setString(p++, envelope.messageType());
                insert.setString(p++, endpoint.toString());
                insert.setBytes(p++, EnvelopeCodec.encode(envelope));
                insert.setInt(p++, later || ownerId == 0 ? 0 : 1); // stored owned: its node has taken it
            }
            try (ResultSet inserted = Jdbc.insertedIds(insert, andCommit)) {
                while (inserted.next()) {
                    duplicates.remove(jdbc.dialect.getUuid(inserted, "id"));
                }
            }
        }
        return duplicates;
    }

    @Override
    public int markHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil) {
        if (ids.isEmpty()) {
            return 0;
        }
        String sql = "UPDATE " + table + " SET status = '" + HANDLED + "', owner_id = 0, keep_until = ?, body = ? WHERE {ids} AND status = '"
                + INCOMING + "' AND " + OWNED_BY;
        return jdbc.inTransaction(transaction, "marking " + ids.size() + " envelope(s) handled", c -> jdbc.changeByIds(c, sql, update -> {
            jdbc.dialect.setTime(update, 1, keepUntil);
            update.setBytes(2, NO_BODY);
            return 3;
        }, ids, ownerId));
    }

    /**
     * Deletes the rows where that costs less than the mark ({@link Dialect#deletesHandledRows}): no record is kept,
     * so there is no new row version, no index entry and nothing for cleanup. Elsewhere it marks them.
     */
    @Override
    public int deleteHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil) {
        if (!jdbc.dialect.deletesHandledRows()) {
            return markHandled(transaction, ids, ownerId, keepUntil);
        }
        if (ids.isEmpty()) {
            return 0;
        }
        String sql = "DELETE FROM " + table + " WHERE {ids} AND status = '" + INCOMING + "' AND " + OWNED_BY;
        return jdbc.inTransaction(transaction, "ending the handling of " + ids.size() + " envelope(s)",
                c -> jdbc.changeByIds(c, sql, delete -> 1, ids, ownerId));
    }

    @Override
    public boolean markHandled(StoreTransaction transaction, UUID id, int ownerId, Instant keepUntil) {
        return jdbc.inTransaction(transaction, "marking envelope " + id + " handled", c -> {
            String sql = "UPDATE " + table + " SET status = '" + HANDLED + "', owner_id = 0, keep_until = ?, body = ? WHERE id = ? AND status = '"
                    + INCOMING + "' AND " + OWNED_BY;
            try (PreparedStatement update = c.prepareStatement(sql)) {
                jdbc.dialect.setTime(update, 1, keepUntil);
                update.setBytes(2, NO_BODY);
                jdbc.dialect.setUuid(update, 3, id);
                update.setInt(4, ownerId);
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean remove(StoreTransaction transaction, UUID id, int ownerId) {
        return jdbc.inTransaction(transaction, "removing envelope " + id + " from the inbox", c -> {
            String sql = "DELETE FROM " + table + " WHERE id = ? AND status = '" + INCOMING + "' AND " + OWNED_BY;
            try (PreparedStatement delete = c.prepareStatement(sql)) {
                jdbc.dialect.setUuid(delete, 1, id);
                delete.setInt(2, ownerId);
                return delete.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void recordAttempts(UUID id, int ownerId, int attempts) {
        jdbc.inTransaction("recording attempt " + attempts + " of envelope " + id, c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET attempts = ?, takes = 1 WHERE id = ? AND " + OWNED_BY)) {
                update.setInt(1, attempts);
                jdbc.dialect.setUuid(update, 2, id);
                update.setInt(3, ownerId);
                update.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean scheduleRetry(UUID id, int ownerId, int attempts, Instant at) {
        return jdbc.inTransaction("scheduling a retry of envelope " + id, c -> {
            String sql = "UPDATE " + table + " SET status = '" + SCHEDULED + "', owner_id = 0, takes = 0, execution_time = ?, attempts = ?"
                    + " WHERE id = ? AND status = '" + INCOMING + "' AND " + OWNED_BY;
            try (PreparedStatement update = c.prepareStatement(sql)) {
                jdbc.dialect.setTime(update, 1, at);
                update.setInt(2, attempts);
                jdbc.dialect.setUuid(update, 3, id);
                update.setInt(4, ownerId);
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Claimed> take(URI endpoint, int ownerId, int limit) {
        return claim("claiming incoming envelopes of " + endpoint,
                "status = '" + INCOMING + "' AND owner_id = 0 AND received_at = ? ORDER BY id",
                query -> query.setString(1, endpoint.toString()), "takes = takes + 1, owner_id = ?", ownerId, limit);
    }

    @Override
    public List<Envelope> load(List<UUID> ids, int ownerId) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<UUID, Envelope> found = jdbc.inTransaction("loading " + ids.size() + " envelope(s) back", c -> {
            Map<UUID, Envelope> rows = new java.util.HashMap<>();
            for (List<UUID> chunk : Jdbc.chunks(ids)) {
                String sql = "SELECT id, attempts, received_at, body FROM " + table + " WHERE id IN (" + Jdbc.placeholders(chunk.size())
                        + ") AND status = '" + INCOMING + "' AND " + OWNED_BY;
                try (PreparedStatement query = c.prepareStatement(sql)) {
                    jdbc.bindIds(query, 1, chunk);
                    query.setInt(1 + chunk.size(), ownerId);
                    try (ResultSet result = query.executeQuery()) {
                        while (result.next()) {
                            Envelope envelope = readEnvelope(result);
                            rows.put(envelope.id(), envelope);
                        }
                    }
                }
            }
            return rows;
        });
        List<Envelope> inOrder = new ArrayList<>(found.size());
        for (UUID id : ids) {
            Envelope envelope = found.get(id);
            if (envelope != null) {
                inOrder.add(envelope);
            }
        }
        return inOrder;
    }

    @Override
    public List<Envelope> claimDueScheduled(Instant now, int ownerId, int limit) {
        return claim("claiming due scheduled envelopes",
                "status = '" + SCHEDULED + "' AND execution_time <= ? ORDER BY execution_time, id",
                query -> jdbc.dialect.setTime(query, 1, now), "status = '" + INCOMING + "', takes = takes + 1, owner_id = ?", ownerId, limit)
                .stream().map(Claimed::envelope).toList();
    }

    @Override
    public boolean recordSuspectStart(UUID id, int ownerId) {
        return jdbc.inTransaction("recording that a suspected attempt of envelope " + id + " starts", c -> {
            String sql = "UPDATE " + table + " SET crashes = crashes + 1 WHERE id = ? AND status = '" + INCOMING + "' AND " + OWNED_BY;
            try (PreparedStatement update = c.prepareStatement(sql)) {
                jdbc.dialect.setUuid(update, 1, id);
                update.setInt(2, ownerId);
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void recordSuspectEnd(UUID id, int ownerId) {
        jdbc.inTransaction("recording that a suspected attempt of envelope " + id + " ended", c -> {
            String sql = "UPDATE " + table + " SET crashes = crashes - 1 WHERE id = ? AND crashes > 0 AND " + OWNED_BY;
            try (PreparedStatement update = c.prepareStatement(sql)) {
                jdbc.dialect.setUuid(update, 1, id);
                update.setInt(2, ownerId);
                update.executeUpdate();
            }
            return null;
        });
    }

    private interface Binder {
        void bindFirst(PreparedStatement query) throws SQLException;
    }

    /**
     * Selects up to {@code limit} rows matching {@code filterAndOrder} (whose one parameter {@code binder}
     * binds) with the dialect's claim lock, then sets {@code assignments} (ending with the owner) on them,
     * in one transaction.
     */
    private List<Claimed> claim(String operation, String filterAndOrder, Binder binder, String assignments, int ownerId, int limit) {
        String select = "SELECT id, attempts, received_at, body, takes, crashes FROM " + table + " WHERE " + filterAndOrder + " LIMIT ?"
                + jdbc.dialect.claimLockClause();
        return claimRetrying(jdbc, operation, c -> {
            List<Claimed> claimed = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement(select)) {
                binder.bindFirst(query);
                query.setInt(2, limit);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        claimed.add(new Claimed(readEnvelope(rows), rows.getInt("takes"), rows.getInt("crashes")));
                    }
                }
            }
            setOwner(c, claimed.stream().map(Claimed::envelope).toList(), assignments, ownerId);
            return claimed;
        }, claimed -> claimed.stream().map(Claimed::envelope).toList(), false);
    }



    /**
     * Runs a claim in a transaction of its own, again when the database rolled it back as a deadlock
     * victim. The dialect first sets the claim's isolation: at MariaDB's default (repeatable read) the
     * claimers' locking reads take gap locks on the index whose entries their updates then move (a claimed
     * row changes status or owner), so two claimers at once deadlock often; at read committed they take
     * only the row locks that SKIP LOCKED steps around, and a deadlock is rare. The victim's transaction
     * claimed nothing, so running it again is safe; the tries are spread by a random pause that grows, so
     * claimers that collided do not collide again in step.
     */
    static <T> T claimRetrying(Jdbc jdbc, String operation, Jdbc.Work<T> work) {
        return claimRetrying(jdbc, operation, false, work);
    }

    /** {@link #claimRetrying(Jdbc, String, Jdbc.Work)}; {@code bounded}: see {@link Jdbc#inBoundedTransactionOrThrow}. */
    static <T> T claimRetrying(Jdbc jdbc, String operation, boolean bounded, Jdbc.Work<T> work) {
        return claimRetrying(jdbc, operation, bounded, work, null, false);
    }

    /**
     * A claim of envelopes: {@link #claimRetrying(Jdbc, String, Jdbc.Work)}, and when its COMMIT fails (its
     * statements ran, so only the COMMIT can have failed) a {@link ClaimOutcomeUnknownException} with what
     * it took: the commit may have gone through as the connection dropped.
     *
     * @param outgoing whether it claims from the outbox
     */
    static <T> T claimRetrying(Jdbc jdbc, String operation, Jdbc.Work<T> work, Function<T, List<Envelope>> envelopesOf, boolean outgoing) {
        return claimRetrying(jdbc, operation, false, work, envelopesOf, outgoing);
    }

    private static <T> T claimRetrying(Jdbc jdbc, String operation, boolean bounded, Jdbc.Work<T> work,
                                       Function<T, List<Envelope>> envelopesOf, boolean outgoing) {
        AtomicReference<T> ran = new AtomicReference<>();
        Jdbc.Work<T> isolated = c -> {
            ran.set(null);
            jdbc.dialect.beginClaim(c);
            T result = work.run(c);
            ran.set(result);
            return result;
        };
        for (int attempt = 1; ; attempt++) {
            try {
                return bounded ? jdbc.inBoundedTransactionOrThrow(isolated) : jdbc.inTransactionOrThrow(isolated);
            } catch (SQLException e) {
                List<Envelope> claimed = envelopesOf == null || ran.get() == null ? List.of() : envelopesOf.apply(ran.get());
                if (!claimed.isEmpty() && !jdbc.dialect.isTransactionRollback(e)) {
                    throw new ClaimOutcomeUnknownException(operation + " on " + jdbc + ": its COMMIT failed, so " + claimed.size()
                            + " envelope(s) may be claimed: " + e.getMessage(), claimed, outgoing, e);
                }
                if (attempt >= CLAIM_TRIES || !jdbc.dialect.isTransactionRollback(e)) {
                    throw jdbc.failure(operation + (attempt > 1 ? " (" + attempt + " tries)" : ""), e);
                }
                log.debug("{} on {} was rolled back by the database (try {}): {}", operation, jdbc, attempt, e.getMessage());
                pauseBeforeTry(attempt);
            }
        }
    }

    /** Sleeps a random 0 to 2^attempt milliseconds (at most about a quarter second). */
    private static void pauseBeforeTry(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1L << Math.min(attempt, 8)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgateException("interrupted between tries of a claim", e);
        }
    }

    private void setOwner(Connection c, List<Envelope> claimed, String assignments, int ownerId) throws SQLException {
        if (claimed.isEmpty()) {
            return;
        }
        String sql = "UPDATE " + table + " SET " + assignments + " WHERE id IN (" + Jdbc.placeholders(claimed.size()) + ")";
        try (PreparedStatement update = c.prepareStatement(sql)) {
            update.setInt(1, ownerId);
            jdbc.bindIds(update, 2, claimed.stream().map(Envelope::id).toList());
            update.executeUpdate();
        }
    }

    @Override
    public void release(Collection<UUID> ids, int ownerId) {
        if (ids.isEmpty()) {
            return;
        }
        String sql = "UPDATE " + table + " SET owner_id = 0, takes = 0 WHERE status = '" + INCOMING + "' AND {ids} AND " + OWNED_BY;
        jdbc.inTransaction("releasing " + ids.size() + " envelope(s)", c -> jdbc.changeByIds(c, sql, update -> 1, ids, ownerId));
    }

    @Override
    public int releaseOwnedBy(int ownerId) {
        int released = 0;
        int batch;
        do {
            batch = jdbc.inTransaction("releasing the incoming envelopes of node " + ownerId, c -> releaseOwnedBy(c, ownerId, RELEASE_LIMIT));
            released += batch;
        } while (batch == RELEASE_LIMIT);
        return released;
    }

    /** The most rows one release gives back in one transaction: the leader's transaction must stay short. */
    static final int RELEASE_LIMIT = 5_000;

    /**
     * Gives up to {@code limit} incoming rows of {@code ownerId} to any node in the caller's transaction (the
     * leader's, fenced by its lease), skipping rows another session holds locked: a frozen node may be in the
     * middle of committing one, and the leader must not wait for it. A skipped row keeps the dead owner, and a
     * later look for orphans releases it once its lock is gone. Only incoming rows have owners (scheduled ones
     * are nobody's), so the recovery index serves it, however many handled rows the table keeps.
     */
    int releaseOwnedBy(Connection c, int ownerId, int limit) throws SQLException {
        return jdbc.releaseUnlocked(c, table, "status = '" + INCOMING + "' AND owner_id = ? AND owner_id <> 0", ownerId, limit);
    }

    @Override
    public int deleteExpiredHandled(Instant now, int limit) {
        return jdbc.inTransaction("deleting expired handled envelopes", c -> {
            String sql = jdbc.dialect.deleteLimited(table, "status = '" + HANDLED + "' AND keep_until < ?");
            try (PreparedStatement delete = c.prepareStatement(sql)) {
                jdbc.dialect.setTime(delete, 1, now);
                delete.setInt(2, limit);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public Set<URI> endpointsWithUnowned() {
        return jdbc.inTransaction("finding endpoints with unowned envelopes", c -> {
            String sql = "SELECT DISTINCT received_at FROM " + table + " WHERE status = '" + INCOMING + "' AND owner_id = 0";
            Set<URI> endpoints = new LinkedHashSet<>();
            try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    endpoints.add(URI.create(rows.getString(1)));
                }
            }
            return endpoints;
        });
    }

    /** Reads a row of (attempts, received_at, body): the body decoded, attempts and destination from their columns. */
    private static Envelope readEnvelope(ResultSet rows) throws SQLException {
        Envelope stored = EnvelopeCodec.decode(rows.getBytes("body"));
        return stored.toBuilder().attempts(rows.getInt("attempts")).destination(URI.create(rows.getString("received_at"))).build();
    }
}
