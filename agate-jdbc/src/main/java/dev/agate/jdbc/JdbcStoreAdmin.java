package dev.agate.jdbc;

import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.StoreStatus;
import dev.agate.Uuid7;
import dev.agate.spi.NodeRegistry;
import dev.agate.spi.StoreAdmin;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, what waits, the audit, a release of everything, a clear-out for tests, and reclaiming deleted rows' space, over the
 * store's tables.
 */
final class JdbcStoreAdmin implements StoreAdmin {
    private static final Logger log = LoggerFactory.getLogger(JdbcStoreAdmin.class);
    /** Deleted rows between two vacuums: a few seconds of a busy node's cleanup, a small share of a vacuum's cost. */
    private static final long VACUUM_EVERY = 20_000;

    private final Jdbc jdbc;
    private final SchemaNames names;
    private final JdbcNodes nodes;
    private final JdbcAudit audit;
    private final AtomicLong deletedSinceVacuum = new AtomicLong();
    /** Whether this database leaves vacuuming to Agate (PostgreSQL with autovacuum off); null until asked. */
    private volatile Boolean vacuumsItself;

    JdbcStoreAdmin(Jdbc jdbc, JdbcNodes nodes, JdbcAudit audit) {
        this.jdbc = jdbc;
        this.names = jdbc.names;
        this.nodes = nodes;
        this.audit = audit;
    }

    /**
     * A PostgreSQL row that is updated or deleted leaves a dead version behind until a VACUUM; the inbox
     * and outbox see every message inserted, updated and deleted, so with autovacuum off (a setting some
     * installations use) their tables grow without bound although their rows do not. Agate then vacuums
     * them itself, after every {@value #VACUUM_EVERY} rows cleanup deleted (plain VACUUM: reads and writes
     * go on), and ANALYZE keeps the planner's statistics of these fast-changing tables fresh.
     */
    @Override
    public void afterCleanup(long deletedRows) {
        if (jdbc.dialect != Dialect.POSTGRES || deletedSinceVacuum.addAndGet(deletedRows) < VACUUM_EVERY) {
            return;
        }
        try (Connection connection = jdbc.dataSource.getConnection()) {
            if (vacuumsItself == null) {
                try (Statement show = connection.createStatement(); ResultSet setting = show.executeQuery("SHOW autovacuum")) {
                    vacuumsItself = setting.next() && "off".equalsIgnoreCase(setting.getString(1));
                }
                if (vacuumsItself) {
                    log.info("autovacuum is off on {}: Agate vacuums its inbox and outbox tables after cleanup", jdbc);
                }
            }
            if (!vacuumsItself) {
                deletedSinceVacuum.set(0);
                return;
            }
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(true); // VACUUM cannot run in a transaction block
            try (Statement vacuum = connection.createStatement()) {
                vacuum.execute("VACUUM (ANALYZE) " + names.incoming() + ", " + names.outgoing());
            } finally {
                connection.setAutoCommit(autoCommit);
            }
            deletedSinceVacuum.set(0);
        } catch (SQLException | RuntimeException e) {
            log.warn("vacuuming Agate's tables on {} failed; tried again after the next cleanup: {}", jdbc, e.getMessage());
        }
    }

    @Override
    public Counts counts() {
        return jdbc.inTransaction("counting envelopes", c -> {
            long incoming = 0;
            long scheduled = 0;
            long handled = 0;
            Map<Integer, Long> incomingByOwner = new TreeMap<>();
            try (PreparedStatement query = c.prepareStatement("SELECT status, owner_id, COUNT(*) FROM " + names.incoming()
                    + " GROUP BY status, owner_id"); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long count = rows.getLong(3);
                    switch (rows.getString(1)) {
                        case JdbcInbox.INCOMING -> {
                            incoming += count;
                            incomingByOwner.merge(rows.getInt(2), count, Long::sum);
                        }
                        case JdbcInbox.SCHEDULED -> scheduled += count;
                        default -> handled += count;
                    }
                }
            }
            long outgoing = 0;
            Map<Integer, Long> outgoingByOwner = new TreeMap<>();
            try (PreparedStatement query = c.prepareStatement("SELECT owner_id, COUNT(*) FROM " + names.outgoing() + " GROUP BY owner_id");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    outgoing += rows.getLong(2);
                    outgoingByOwner.put(rows.getInt(1), rows.getLong(2));
                }
            }
            long deadLetters;
            try (PreparedStatement query = c.prepareStatement("SELECT COUNT(*) FROM " + names.deadLetters() + " WHERE replayed_at IS NULL");
                 ResultSet rows = query.executeQuery()) {
                rows.next();
                deadLetters = rows.getLong(1);
            }
            return new Counts(incoming, scheduled, handled, outgoing, deadLetters, incomingByOwner, outgoingByOwner);
        });
    }

    /**
     * Each query reads only rows that wait, through the index of their job (docs/schema.md): incoming rows as
     * unowned and owned apart, since each partial index holds one of the two (one filter on status alone would read
     * the handled rows too); scheduled rows through the scheduled index; the outbox, all of whose rows wait. The
     * oldest of a group is the smallest UUIDv7 id (ids order by time), or the earliest scheduled time of those that
     * were scheduled, whose ids are older than the time they became due.
     */
    @Override
    public StoreStatus status() {
        String id = jdbc.dialect.idText();
        String v7 = "SUBSTR(" + id + ", 15, 1) = '7'"; // the version digit: other ids carry no time
        String incoming = "SELECT received_at AS endpoint, COUNT(*) AS n, MIN(CASE WHEN execution_time IS NULL AND " + v7 + " THEN " + id
                + " END) AS oldest_id, MIN(execution_time) AS due FROM " + names.incoming()
                + " WHERE status = '" + JdbcInbox.INCOMING + "' AND owner_id %s GROUP BY received_at";
        return jdbc.inTransaction("reading what waits", c -> {
            Map<String, StoreStatus.Pending> waiting = new TreeMap<>();
            for (String owners : List.of("= 0", "<> 0")) {
                readPending(c, String.format(incoming, owners), StoreStatus.Kind.INCOMING, waiting);
            }
            readPending(c, "SELECT received_at AS endpoint, COUNT(*) AS n, NULL AS oldest_id, MIN(execution_time) AS due FROM "
                    + names.incoming() + " WHERE status = '" + JdbcInbox.SCHEDULED + "' GROUP BY received_at", StoreStatus.Kind.SCHEDULED, waiting);
            readPending(c, "SELECT destination AS endpoint, COUNT(*) AS n, MIN(CASE WHEN " + v7 + " THEN " + id + " END) AS oldest_id,"
                    + " NULL AS due FROM " + names.outgoing() + " GROUP BY destination", StoreStatus.Kind.OUTGOING, waiting);
            List<StoreStatus.DeadLetterCount> deadLetters = new ArrayList<>();
            try (PreparedStatement query = c.prepareStatement("SELECT message_type, exception_type, received_at, COUNT(*) AS n FROM "
                    + names.deadLetters() + " WHERE replayed_at IS NULL GROUP BY message_type, exception_type, received_at"
                    + " ORDER BY message_type, exception_type, received_at"); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    String endpoint = rows.getString(3); // the dead letters' endpoint column is named received_at
                    deadLetters.add(new StoreStatus.DeadLetterCount(rows.getString(1), rows.getString(2),
                            endpoint == null ? null : java.net.URI.create(endpoint), rows.getLong(4)));
                }
            }
            List<NodeRegistry.Node> registered = nodes.nodes(c);
            NodeRegistry.Leader leader = nodes.leader(c);
            boolean leads = leader != null && leader.expiresAt() != null && leader.expiresAt().isAfter(jdbc.databaseTime(c))
                    && registered.stream().anyMatch(n -> n.id() == leader.nodeId());
            return new StoreStatus(List.copyOf(waiting.values()), deadLetters, registered, leads ? leader.nodeId() : 0);
        });
    }

    /** Adds the groups of one query (endpoint, n, oldest_id, due) to {@code waiting}, merging those of one kind and endpoint. */
    private void readPending(Connection c, String sql, StoreStatus.Kind kind, Map<String, StoreStatus.Pending> waiting) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                String text = rows.getString("oldest_id");
                Instant oldest = earlier(text == null ? null : Uuid7.instantOf(UUID.fromString(text)), jdbc.dialect.getTime(rows, "due"));
                StoreStatus.Pending group = new StoreStatus.Pending(kind, URI.create(rows.getString("endpoint")), rows.getLong("n"), oldest);
                waiting.merge(kind.ordinal() + " " + group.endpoint(), group, (a, b) -> new StoreStatus.Pending(kind, a.endpoint(), a.count() + b.count(),
                        earlier(a.oldest(), b.oldest())));
            }
        }
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    @Override
    public java.util.Set<Integer> owners() {
        return jdbc.inTransaction("listing owners", c -> owners(c, names));
    }

    /**
     * The owners of incoming and outgoing rows, in the caller's transaction (the leader's, looking for
     * orphans). Scheduled rows are nobody's: only incoming rows have owners, and the owned-rows indexes hold
     * only those.
     */
    static java.util.Set<Integer> owners(java.sql.Connection c, SchemaNames names) throws java.sql.SQLException {
        java.util.Set<Integer> owners = new java.util.TreeSet<>();
        for (String sql : List.of("SELECT DISTINCT owner_id FROM " + names.incoming() + " WHERE status = '" + JdbcInbox.INCOMING
                        + "' AND owner_id <> 0", "SELECT DISTINCT owner_id FROM " + names.outgoing() + " WHERE owner_id <> 0")) {
            try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    owners.add(rows.getInt(1));
                }
            }
        }
        return owners;
    }

    @Override
    public int releaseAll() {
        return jdbc.inTransaction("releasing every envelope to any node", c -> {
            int changed;
            try (PreparedStatement update = c.prepareStatement("UPDATE " + names.incoming() + " SET owner_id = 0 WHERE owner_id <> 0 AND status <> '"
                    + JdbcInbox.HANDLED + "'")) {
                changed = update.executeUpdate();
            }
            try (PreparedStatement update = c.prepareStatement("UPDATE " + names.outgoing() + " SET owner_id = 0 WHERE owner_id <> 0")) {
                changed += update.executeUpdate();
            }
            return changed;
        });
    }

    @Override
    public Page<AuditEntry> audit(PageRequest page) {
        return audit.read(page);
    }

    @Override
    public void clearAll() {
        jdbc.inTransaction("clearing every Agate table", c -> {
            for (String table : List.of(names.incoming(), names.outgoing(), names.deadLetters(), names.nodes(), names.audit())) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table)) {
                    delete.executeUpdate();
                }
            }
            return null;
        });
    }
}
