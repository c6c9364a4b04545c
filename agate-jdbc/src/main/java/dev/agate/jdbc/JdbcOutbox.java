package dev.agate.jdbc;

import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.Outbox;
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
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The outbox on a relational database: multi-row inserts, deletes and releases by id lists, and claims
 * that lock with the dialect's {@code FOR UPDATE SKIP LOCKED} (or SQLite's single writer), as in
 * {@link JdbcInbox}.
 */
final class JdbcOutbox implements Outbox {
    private static final int COLUMNS = 7;

    private final Jdbc jdbc;
    private final String table;
    private final Jdbc.InsertSql inserts;

    JdbcOutbox(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.table = jdbc.names.outgoing();
        this.inserts = new Jdbc.InsertSql(this::insertSql);
    }

    @Override
    public Set<UUID> store(StoreTransaction transaction, List<Envelope> envelopes, int ownerId) {
        if (envelopes.isEmpty()) {
            return Set.of();
        }
        envelopes.forEach(e -> Objects.requireNonNull(e.destination(), () -> "envelope " + e.id() + " has no destination"));
        return jdbc.insertChunks(transaction, "storing " + envelopes.size() + " outgoing envelope(s)", envelopes,
                (c, chunk, andCommit) -> insert(c, chunk, ownerId, andCommit));
    }

    /** Inserts a chunk, skipping ids already stored; returns those. */
    private String insertSql(int rows) {
        StringBuilder sql = new StringBuilder(jdbc.dialect.insertIgnoringDuplicates()).append(' ').append(table)
                .append(" (id, owner_id, destination, deliver_by, attempts, message_type, body) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append('(').append(Jdbc.placeholders(COLUMNS)).append(')');
        }
        return sql.append(jdbc.dialect.insertedIdsSuffix()).toString();
    }

    private Set<UUID> insert(Connection c, List<Envelope> chunk, int ownerId, boolean andCommit) throws SQLException {
        String sql = inserts.of(chunk.size(), andCommit);
        Set<UUID> duplicates = new HashSet<>();
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            int p = 1;
            for (Envelope envelope : chunk) {
                duplicates.add(envelope.id());
                jdbc.dialect.setUuid(insert, p++, envelope.id());
                insert.setInt(p++, ownerId);
                insert.setString(p++, envelope.destination().toString());
                jdbc.dialect.setTime(insert, p++, envelope.deliverBy());
                insert.setInt(p++, envelope.attempts());
                insert.setString(p++, envelope.messageType());
                insert.setBytes(p++, EnvelopeCodec.encode(envelope));
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
    public void delete(StoreTransaction transaction, Collection<UUID> ids, int ownerId) {
        if (ids.isEmpty()) {
            return;
        }
        String sql = "DELETE FROM " + table + " WHERE {ids} AND " + JdbcInbox.OWNED_BY;
        jdbc.inTransaction(transaction, "deleting " + ids.size() + " outgoing envelope(s)", c -> jdbc.changeByIds(c, sql, delete -> 1, ids, ownerId));
    }

    @Override
    public List<Envelope> claim(URI destination, int ownerId, int limit) {
        String select = "SELECT id, attempts, destination, body FROM " + table + " WHERE owner_id = 0 AND destination = ? ORDER BY id LIMIT ?"
                + jdbc.dialect.claimLockClause();
        return JdbcInbox.claimRetrying(jdbc, "claiming outgoing envelopes to " + destination, c -> {
            List<Envelope> claimed = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement(select)) {
                query.setString(1, destination.toString());
                query.setInt(2, limit);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        Envelope stored = EnvelopeCodec.decode(rows.getBytes("body"));
                        claimed.add(stored.toBuilder().attempts(rows.getInt("attempts"))
                                .destination(URI.create(rows.getString("destination"))).build());
                    }
                }
            }
            if (!claimed.isEmpty()) {
                String sql = "UPDATE " + table + " SET owner_id = ? WHERE id IN (" + Jdbc.placeholders(claimed.size()) + ")";
                try (PreparedStatement update = c.prepareStatement(sql)) {
                    update.setInt(1, ownerId);
                    jdbc.bindIds(update, 2, claimed.stream().map(Envelope::id).toList());
                    update.executeUpdate();
                }
            }
            return claimed;
        }, claimed -> claimed, true);
    }

    @Override
    public Set<URI> destinationsWithUnowned() {
        return jdbc.inTransaction("finding destinations with unowned outgoing envelopes", c -> {
            Set<URI> destinations = new LinkedHashSet<>();
            try (PreparedStatement query = c.prepareStatement("SELECT DISTINCT destination FROM " + table + " WHERE owner_id = 0");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    destinations.add(URI.create(rows.getString(1)));
                }
            }
            return destinations;
        });
    }

    @Override
    public void release(Collection<UUID> ids, int ownerId, int attempts) {
        if (ids.isEmpty()) {
            return;
        }
        String sql = "UPDATE " + table + " SET owner_id = 0, attempts = ? WHERE {ids} AND " + JdbcInbox.OWNED_BY;
        jdbc.inTransaction("releasing " + ids.size() + " outgoing envelope(s)", c -> jdbc.changeByIds(c, sql, update -> {
            update.setInt(1, attempts);
            return 2;
        }, ids, ownerId));
    }

    @Override
    public int releaseOwnedBy(int ownerId) {
        int released = 0;
        int batch;
        do {
            batch = jdbc.inTransaction("releasing the outgoing envelopes of node " + ownerId,
                    c -> releaseOwnedBy(c, ownerId, JdbcInbox.RELEASE_LIMIT));
            released += batch;
        } while (batch == JdbcInbox.RELEASE_LIMIT);
        return released;
    }

    /** Up to {@code limit} outgoing rows of {@code ownerId} to any node, skipping locked rows: see {@link JdbcInbox#releaseOwnedBy(Connection, int, int)}. */
    int releaseOwnedBy(Connection c, int ownerId, int limit) throws SQLException {
        return jdbc.releaseUnlocked(c, table, "owner_id = ? AND owner_id <> 0", ownerId, limit);
    }

    @Override
    public int deleteExpired(Instant now, int limit) {
        return jdbc.inTransaction("deleting expired outgoing envelopes", c -> {
            try (PreparedStatement delete = c.prepareStatement(jdbc.dialect.deleteLimited(table, "deliver_by IS NOT NULL AND deliver_by < ?"))) {
                jdbc.dialect.setTime(delete, 1, now);
                delete.setInt(2, limit);
                return delete.executeUpdate();
            }
        });
    }
}
