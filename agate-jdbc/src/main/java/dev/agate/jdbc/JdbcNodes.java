package dev.agate.jdbc;

import dev.agate.spi.NodeRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The node registry and the leader's lease on a relational database, timed by the database's clock.
 *
 * <p>Ids come from a one-row counter ({@code node_ids}) incremented in the registering transaction: its
 * row lock serializes registrations, and an id once counted is never counted again, whatever nodes are
 * registered. The leader's lease is a one-row table: taking it over is one conditional {@code UPDATE}
 * (only when it ran out or its holder is gone), and the leader's work begins by renewing it in the same
 * transaction, so the row stays locked until that work commits: a deposed leader's work changes nothing,
 * and no one takes the lease over while a leader's work is under way.
 */
final class JdbcNodes implements NodeRegistry {
    private static final String LEADER_ROW = "lease = 'leader'";

    private final Jdbc jdbc;
    private final JdbcInbox inbox;
    private final JdbcOutbox outbox;
    private final String table;
    private final String leader;
    private final String nodeIds;
    /**
     * The connection renewals run on (not on SQLite), kept out of the pool: handlers that hold every pooled
     * connection must not starve the lease, or a busy node would be declared dead. Guarded by {@code this}.
     */
    private Connection renewals;

    JdbcNodes(Jdbc jdbc, JdbcInbox inbox, JdbcOutbox outbox) {
        this.jdbc = jdbc;
        this.inbox = inbox;
        this.outbox = outbox;
        this.table = jdbc.names.nodes();
        this.leader = jdbc.names.leader();
        this.nodeIds = jdbc.names.nodeIds();
    }

    @Override
    public int register(String serviceName, String description) {
        return jdbc.inBoundedTransaction("registering a node of " + serviceName, c -> {
            try (PreparedStatement count = c.prepareStatement("UPDATE " + nodeIds + " SET last_id = last_id + 1 WHERE counter = 'nodes'")) {
                if (count.executeUpdate() != 1) {
                    throw new SQLException(nodeIds + " has no row 'nodes': the schema is damaged; run `agate schema apply --db URL`");
                }
            }
            int id;
            try (PreparedStatement query = c.prepareStatement("SELECT last_id FROM " + nodeIds + " WHERE counter = 'nodes'");
                 ResultSet result = query.executeQuery()) {
                result.next();
                id = result.getInt(1);
            }
            String now = jdbc.dialect.currentTime();
            String sql = "INSERT INTO " + table + " (node_id, service_name, description, started_at, heartbeat_at, session_tag) VALUES (?, ?, ?, "
                    + now + ", " + now + ", ?)";
            try (PreparedStatement insert = c.prepareStatement(sql)) {
                insert.setInt(1, id);
                insert.setString(2, serviceName);
                insert.setString(3, description);
                insert.setString(4, jdbc.sessionTag);
                insert.executeUpdate();
            }
            return id;
        });
    }

    @Override
    public boolean renew(int nodeId) {
        String sql = "UPDATE " + table + " SET heartbeat_at = " + jdbc.dialect.currentTime() + " WHERE node_id = ?";
        if (jdbc.dialect == Dialect.SQLITE) {
            // One connection for everything, and one writer: nothing to keep apart.
            return jdbc.inBoundedTransaction("renewing the lease of node " + nodeId, c -> renew(c, sql, nodeId));
        }
        synchronized (this) {
            try {
                if (renewals == null) {
                    renewals = jdbc.dataSource.getConnection();
                    renewals.setAutoCommit(true);
                    try {
                        renewals.setNetworkTimeout(Runnable::run, Jdbc.LEASE_NETWORK_TIMEOUT_MILLIS);
                    } catch (java.sql.SQLFeatureNotSupportedException e) {
                        // unbounded, as the driver's other waits
                    }
                }
                return renew(renewals, sql, nodeId);
            } catch (SQLException e) {
                if (renewals != null) {
                    jdbc.discard(renewals);
                    renewals = null;
                }
                throw jdbc.failure("renewing the lease of node " + nodeId, e);
            }
        }
    }

    private boolean renew(Connection c, String sql, int nodeId) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(sql)) {
            update.setInt(1, nodeId);
            return update.executeUpdate() == 1;
        }
    }

    /** Gives the renewals' connection back. */
    synchronized void close() {
        if (renewals != null) {
            try {
                renewals.close();
            } catch (SQLException e) {
                // closing anyway
            }
            renewals = null;
        }
    }

    @Override
    public void deregister(int nodeId) {
        jdbc.inTransaction("deregistering node " + nodeId, c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE node_id = ?")) {
                delete.setInt(1, nodeId);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Node> nodes() {
        return jdbc.inTransaction("listing nodes", this::nodes);
    }

    /** The registered nodes, in the caller's transaction. */
    List<Node> nodes(Connection c) throws SQLException {
        List<Node> nodes = new ArrayList<>();
        String sql = "SELECT node_id, service_name, description, started_at, heartbeat_at FROM " + table + " ORDER BY node_id";
        try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                nodes.add(new Node(rows.getInt("node_id"), rows.getString("service_name"), rows.getString("description"),
                        jdbc.dialect.getTime(rows, "started_at"), jdbc.dialect.getTime(rows, "heartbeat_at")));
            }
        }
        return nodes;
    }

    @Override
    public long lead(int nodeId, Duration lease) {
        String operation = "taking or renewing the leader's lease for node " + nodeId;
        try {
            return jdbc.inBoundedTransactionOrThrow(c -> lead(c, nodeId, lease));
        } catch (SQLException e) {
            if (jdbc.dialect.isLockTimeout(e)) {
                // The lease row stayed locked past the bounded wait: a leader froze (or lost its network) in the
                // middle of its work. Once its lease ran out, its sessions are ended, so that the next try gets the row.
                endStuckLeader(nodeId);
            }
            throw jdbc.failure(operation, e);
        }
    }

    private long lead(Connection c, int nodeId, Duration lease) throws SQLException {
        jdbc.dialect.beginLeaderWork(c);
        Instant now = jdbc.databaseTime(c);
        // term first: MariaDB assigns left to right, and the CASE must see the holder before it changes.
        String sql = "UPDATE " + leader + " SET term = CASE WHEN node_id = ? THEN term ELSE term + 1 END, node_id = ?, expires_at = ?"
                + " WHERE " + LEADER_ROW + " AND (node_id = ? OR expires_at IS NULL OR expires_at < ?"
                + " OR node_id NOT IN (SELECT node_id FROM " + table + "))"
                + " AND EXISTS (SELECT 1 FROM " + table + " WHERE node_id = ?)";
        try (PreparedStatement update = c.prepareStatement(jdbc.dialect.boundedLockWait(sql))) {
            update.setInt(1, nodeId);
            update.setInt(2, nodeId);
            jdbc.dialect.setTime(update, 3, now.plus(lease));
            update.setInt(4, nodeId);
            jdbc.dialect.setTime(update, 5, now);
            update.setInt(6, nodeId);
            if (update.executeUpdate() == 0) {
                return 0L;
            }
        }
        Leader holder = leader(c);
        return holder != null && holder.nodeId() == nodeId ? holder.term() : 0L;
    }

    /**
     * Ends the sessions of a lease holder whose lease, as last committed, ran out while it holds the lease's
     * row locked: a live leader commits a renewal every heartbeat, in transactions kept short (releases are
     * bounded), so a committed lease that ran out means a leader stuck for a whole lease.
     */
    private void endStuckLeader(int nodeId) {
        try {
            jdbc.inTransactionOrThrow(c -> {
                Leader holder = leader(c); // a plain read: not blocked by the lock
                if (holder != null && holder.nodeId() != nodeId && holder.expiresAt() != null && holder.expiresAt().isBefore(jdbc.databaseTime(c))) {
                    endSessions(c, holder.nodeId());
                }
                return null;
            });
        } catch (SQLException e) {
            // the next try of lead() comes back here
        }
    }

    @Override
    public void resign(int nodeId, long term) {
        jdbc.inTransaction("giving up the leader's lease of node " + nodeId, c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE " + leader + " SET expires_at = NULL WHERE " + LEADER_ROW
                    + " AND node_id = ? AND term = ?")) {
                update.setInt(1, nodeId);
                update.setLong(2, term);
                update.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Leader leader() {
        return jdbc.inTransaction("reading the leader's lease", this::leader);
    }

    /** The leader's lease as stored, or null when never taken, in the caller's transaction. */
    Leader leader(Connection c) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("SELECT node_id, term, expires_at FROM " + leader + " WHERE " + LEADER_ROW);
             ResultSet row = query.executeQuery()) {
            if (!row.next() || row.getLong("term") == 0) {
                return null;
            }
            return new Leader(row.getInt("node_id"), row.getLong("term"), jdbc.dialect.getTime(row, "expires_at"));
        }
    }

    @Override
    public Released releaseDead(int nodeId, long term, Duration nodeTimeout, Duration lease, boolean orphans) {
        return JdbcInbox.claimRetrying(jdbc, "releasing the envelopes of dead nodes", true, c -> {
            jdbc.dialect.beginLeaderWork(c);
            Instant now = jdbc.databaseTime(c);
            // The fence: renews this leader's lease only if it still holds it, and keeps its row locked until commit.
            try (PreparedStatement renew = c.prepareStatement(jdbc.dialect.boundedLockWait("UPDATE " + leader + " SET expires_at = ? WHERE "
                    + LEADER_ROW + " AND node_id = ? AND term = ? AND expires_at >= ?"))) {
                jdbc.dialect.setTime(renew, 1, now.plus(lease));
                renew.setInt(2, nodeId);
                renew.setLong(3, term);
                jdbc.dialect.setTime(renew, 4, now);
                if (renew.executeUpdate() == 0) {
                    return null;
                }
            }
            // Read before the nodes: an id handed out after this read may own rows before the list below shows it.
            int lastId;
            try (PreparedStatement query = c.prepareStatement("SELECT last_id FROM " + nodeIds + " WHERE counter = 'nodes'");
                 ResultSet result = query.executeQuery()) {
                result.next();
                lastId = result.getInt(1);
            }
            Instant deadline = now.minus(nodeTimeout);
            List<DeadNode> dead = new ArrayList<>();
            Set<Integer> registered = new HashSet<>();
            boolean more = false;
            int limit = JdbcInbox.RELEASE_LIMIT;
            for (Node node : nodes(c)) {
                if (node.id() == nodeId || !node.heartbeatAt().isBefore(deadline) || !deregisterIfDead(c, node.id(), deadline)) {
                    registered.add(node.id());
                    continue;
                }
                int incoming = inbox.releaseOwnedBy(c, node.id(), limit);
                int outgoing = outbox.releaseOwnedBy(c, node.id(), limit);
                more |= incoming == limit || outgoing == limit; // the rest: orphans now, released by the next looks
                dead.add(new DeadNode(node, incoming, outgoing));
            }
            int orphanIncoming = 0;
            int orphanOutgoing = 0;
            for (int owner : orphans ? JdbcStoreAdmin.owners(c, jdbc.names) : Set.<Integer>of()) {
                if (owner != 0 && owner <= lastId && !registered.contains(owner)) {
                    int incoming = inbox.releaseOwnedBy(c, owner, limit);
                    int outgoing = outbox.releaseOwnedBy(c, owner, limit);
                    more |= incoming == limit || outgoing == limit;
                    orphanIncoming += incoming;
                    orphanOutgoing += outgoing;
                }
            }
            return new Released(dead, orphanIncoming, orphanOutgoing, more);
        });
    }

    /**
     * Deregisters a node whose last renewal (as committed) is before {@code deadline}, in the leader's
     * transaction; false when it renewed meanwhile or is renewing now (its row is locked: skipped, not waited
     * for). Its sessions are ended first where the database allows: by the committed renewal it has stopped
     * acting on its own clock, and a session frozen in the middle of a renewal or a handling keeps locks.
     * Only once its row is gone are its envelopes released, so a renewal that commits first keeps them its own.
     */
    private boolean deregisterIfDead(Connection c, int node, Instant deadline) throws SQLException {
        endSessions(c, node);
        try (PreparedStatement lock = c.prepareStatement("SELECT node_id FROM " + table + " WHERE node_id = ? AND heartbeat_at < ?"
                + jdbc.dialect.claimLockClause())) {
            lock.setInt(1, node);
            jdbc.dialect.setTime(lock, 2, deadline);
            try (ResultSet row = lock.executeQuery()) {
                if (!row.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE node_id = ? AND heartbeat_at < ?")) {
            delete.setInt(1, node);
            jdbc.dialect.setTime(delete, 2, deadline);
            return delete.executeUpdate() == 1;
        }
    }

    /** Ends the server sessions of a dead node's own connections, when it named them: their locks go with them. */
    private void endSessions(Connection c, int nodeId) throws SQLException {
        String tag;
        try (PreparedStatement query = c.prepareStatement("SELECT session_tag FROM " + table + " WHERE node_id = ?")) {
            query.setInt(1, nodeId);
            try (ResultSet row = query.executeQuery()) {
                tag = row.next() ? row.getString(1) : null;
            }
        }
        if (tag != null && !tag.equals(jdbc.sessionTag)) {
            jdbc.dialect.endSessions(c, tag);
        }
    }
}
