package dev.agate.jdbc;

import java.util.ArrayList;
import java.util.List;

/**
 * The schema as numbered steps. Step 1 creates the tables; a later release adds steps, never edits
 * one. Every statement is re-runnable ({@code IF NOT EXISTS}), because MariaDB commits DDL on its own
 * and a step interrupted there must be able to run again.
 */
final class Migrations {
    /** The version this build of Agate writes and expects. */
    static final int CURRENT = 5;

    private Migrations() {
    }

    /** The statements that take a database from {@code version - 1} to {@code version}. */
    static List<String> step(int version, Dialect d, SchemaNames n) {
        if (version == 1) {
            return initial(d, n);
        }
        if (version == 2) {
            return crashCounts(d, n);
        }
        if (version == 3) {
            return leases(d, n);
        }
        if (version == 4) {
            return hotPathIndexes(d, n);
        }
        if (version == 5) {
            return operatorSurface(d, n);
        }
        throw new IllegalArgumentException("no schema step " + version + "; this build knows 1.." + CURRENT);
    }

    static List<String> versionTable(Dialect d, SchemaNames n) {
        return List.of("CREATE TABLE IF NOT EXISTS " + n.schemaVersion() + " (\n"
                + "  version INTEGER NOT NULL PRIMARY KEY,\n"
                + "  applied_at " + d.timestampType() + " NOT NULL\n"
                + ")");
    }

    private static List<String> initial(Dialect d, SchemaNames n) {
        String uuid = d.uuidType();
        String time = d.timestampType();
        String shortText = "VARCHAR(250)";
        String uri = "VARCHAR(500)";
        List<String> ddl = new ArrayList<>();
        // status: Incoming (waiting to be handled), Scheduled (handled at execution_time), Handled (kept until
        // keep_until so that late duplicates are recognized). owner_id 0: any node may claim the row.
        ddl.add("CREATE TABLE IF NOT EXISTS " + n.incoming() + " (\n"
                + "  id " + uuid + " NOT NULL PRIMARY KEY,\n"
                + "  status VARCHAR(16) NOT NULL,\n"
                + "  owner_id INTEGER NOT NULL DEFAULT 0,\n"
                + "  execution_time " + time + " NULL,\n"
                + "  attempts INTEGER NOT NULL DEFAULT 0,\n"
                + "  message_type " + shortText + " NOT NULL,\n"
                + "  received_at " + uri + " NOT NULL,\n"
                + "  keep_until " + time + " NULL,\n"
                + "  body " + d.blobType() + " NOT NULL\n"
                + ")");
        ddl.add("CREATE TABLE IF NOT EXISTS " + n.outgoing() + " (\n"
                + "  id " + uuid + " NOT NULL PRIMARY KEY,\n"
                + "  owner_id INTEGER NOT NULL DEFAULT 0,\n"
                + "  destination " + uri + " NOT NULL,\n"
                + "  deliver_by " + time + " NULL,\n"
                + "  attempts INTEGER NOT NULL DEFAULT 0,\n"
                + "  message_type " + shortText + " NOT NULL,\n"
                + "  body " + d.blobType() + " NOT NULL\n"
                + ")");
        ddl.add("CREATE TABLE IF NOT EXISTS " + n.deadLetters() + " (\n"
                + "  id " + uuid + " NOT NULL PRIMARY KEY,\n"
                + "  message_type " + shortText + " NOT NULL,\n"
                + "  received_at " + uri + " NULL,\n"
                + "  reason VARCHAR(1000) NOT NULL,\n"
                + "  exception_type VARCHAR(500) NULL,\n"
                + "  exception_message " + d.textType() + " NULL,\n"
                + "  stack_trace " + d.textType() + " NULL,\n"
                + "  attempts INTEGER NOT NULL DEFAULT 0,\n"
                + "  failed_at " + time + " NOT NULL,\n"
                + "  replayable " + d.booleanType() + " NOT NULL,\n"
                + "  expires_at " + time + " NULL,\n"
                + "  body " + d.blobType() + " NOT NULL\n"
                + ")");
        ddl.add("CREATE TABLE IF NOT EXISTS " + n.nodes() + " (\n"
                + "  node_id INTEGER NOT NULL PRIMARY KEY,\n"
                + "  service_name " + shortText + " NOT NULL,\n"
                + "  description VARCHAR(500) NOT NULL,\n"
                + "  started_at " + time + " NOT NULL,\n"
                + "  heartbeat_at " + time + " NOT NULL\n"
                + ")");
        // The durability agent's queries, each served by one index; partial where the database has them, so
        // the indexes hold only the rows those queries look for.
        ddl.add(index(d, n, n.incoming(), "incoming_recovery", "owner_id, received_at", "status = 'Incoming'"));
        ddl.add(index(d, n, n.incoming(), "incoming_scheduled", "execution_time", "status = 'Scheduled'"));
        ddl.add(index(d, n, n.incoming(), "incoming_cleanup", "keep_until", "status = 'Handled'"));
        ddl.add(index(d, n, n.outgoing(), "outgoing_recovery", "owner_id, destination", null));
        ddl.add(index(d, n, n.deadLetters(), "dead_letters_type", "message_type", null));
        ddl.add(index(d, n, n.deadLetters(), "dead_letters_expiry", "expires_at", "expires_at IS NOT NULL"));
        return ddl;
    }

    /**
     * Step 2: what tells a message that crashes the process (a poison message) from the others. takes: how
     * often a node took the envelope to handle it (stored it owned, or claimed it) since its last attempt
     * ended; above 1 at a claim, a holder died holding it. crashes: how many attempts, each run alone
     * because of that, started and never ended.
     */
    private static List<String> crashCounts(Dialect d, SchemaNames n) {
        return List.of(d.addColumn(n.incoming(), "takes", "INTEGER NOT NULL DEFAULT 0"),
                d.addColumn(n.incoming(), "crashes", "INTEGER NOT NULL DEFAULT 0"));
    }

    /**
     * Step 3: leases timed by the database's clock instead of sessions and locks a frozen process keeps. The
     * leader table holds one row, the leader's lease; node_ids holds one row, the last node id handed out,
     * seeded above every id already in use, so that an id (an incarnation) is never handed out twice. A node's
     * session_tag names its own connections on the server, so that the leader can end them when it dies.
     */
    private static List<String> leases(Dialect d, SchemaNames n) {
        String once = " FROM (SELECT 1 AS one) seed WHERE NOT EXISTS (SELECT 1 FROM ";
        return List.of("CREATE TABLE IF NOT EXISTS " + n.leader() + " (\n"
                        + "  lease VARCHAR(32) NOT NULL PRIMARY KEY,\n"
                        + "  node_id INTEGER NOT NULL,\n"
                        + "  term BIGINT NOT NULL,\n"
                        + "  expires_at " + d.timestampType() + " NULL\n"
                        + ")",
                "INSERT INTO " + n.leader() + " (lease, node_id, term, expires_at) SELECT 'leader', 0, 0, NULL" + once + n.leader() + ")",
                "CREATE TABLE IF NOT EXISTS " + n.nodeIds() + " (\n"
                        + "  counter VARCHAR(32) NOT NULL PRIMARY KEY,\n"
                        + "  last_id INTEGER NOT NULL\n"
                        + ")",
                "INSERT INTO " + n.nodeIds() + " (counter, last_id) SELECT 'nodes', (SELECT COALESCE(MAX(id), 0) FROM ("
                        + "SELECT MAX(node_id) AS id FROM " + n.nodes() + " UNION ALL SELECT MAX(owner_id) FROM " + n.incoming()
                        + " UNION ALL SELECT MAX(owner_id) FROM " + n.outgoing() + ") used)" + once + n.nodeIds() + ")",
                d.addColumn(n.nodes(), "session_tag", "VARCHAR(64) NULL"));
    }

    /**
     * Step 4: indexes that no per-message statement can use. A handled mark, a delete or a release of one
     * node's rows by id says {@code id = ? AND owner_id + 0 = ?}; an index over every incoming row was a plan
     * PostgreSQL could pick for it (with statistics of a young table, it did: a mark read the whole backlog).
     * Each index is now partial where the database has them, over the rows one job looks for: unowned rows
     * for claims and recovery, owned rows for releasing a dead node's; neither predicate follows from a mark's
     * filter, so the primary key is the only way a mark can go. MariaDB has no partial indexes: one
     * composite index per table serves both jobs there, and its optimizer takes a primary key look-up for
     * {@code id = ?} whatever it costs.
     */
    private static List<String> hotPathIndexes(Dialect d, SchemaNames n) {
        List<String> ddl = new ArrayList<>();
        ddl.add(d.dropIndex(n.schema(), n.prefix() + "incoming_recovery", n.incoming()));
        ddl.add(d.dropIndex(n.schema(), n.prefix() + "outgoing_recovery", n.outgoing()));
        if (d.partialIndexes()) {
            ddl.add(index(d, n, n.incoming(), "incoming_unowned", "received_at, id", "status = 'Incoming' AND owner_id = 0"));
            ddl.add(index(d, n, n.incoming(), "incoming_owned", "owner_id", "status = 'Incoming' AND owner_id <> 0"));
            ddl.add(index(d, n, n.outgoing(), "outgoing_unowned", "destination, id", "owner_id = 0"));
            ddl.add(index(d, n, n.outgoing(), "outgoing_owned", "owner_id", "owner_id <> 0"));
        } else {
            ddl.add(index(d, n, n.incoming(), "incoming_owners", "status, owner_id, received_at, id", null));
            ddl.add(index(d, n, n.outgoing(), "outgoing_owners", "owner_id, destination, id", null));
        }
        return ddl;
    }

    /**
     * Step 5: what an operator needs on a large table. A dead letter replayed is kept, marked (when, by whom, as
     * which envelope), so "replayed or not" can be asked and a second replay does nothing. Listings sort by
     * (failed_at, id) and page by position, so each filter on an exact column has an index that leads with it and
     * ends with (failed_at, id): a page is a range of one index, however many rows the table holds, and the count of
     * the filter reads that index only. The index over message_type alone gives way to one of them. Those not
     * replayed have an index of their own (partial where the database has them), for the listing an operator opens
     * first. The audit table records each action: who, when, what, the filter or ids, how many rows.
     */
    private static List<String> operatorSurface(Dialect d, SchemaNames n) {
        String dead = n.deadLetters();
        List<String> ddl = new ArrayList<>();
        ddl.add(d.addColumn(dead, "replayed_at", d.timestampType() + " NULL"));
        ddl.add(d.addColumn(dead, "replayed_by", "VARCHAR(250) NULL"));
        ddl.add(d.addColumn(dead, "replayed_as", d.uuidType() + " NULL"));
        ddl.add(d.dropIndex(n.schema(), n.prefix() + "dead_letters_type", dead));
        ddl.add(index(d, n, dead, "dead_letters_failed", "failed_at, id", null));
        ddl.add(index(d, n, dead, "dead_letters_by_type", "message_type, failed_at, id", null));
        ddl.add(index(d, n, dead, "dead_letters_by_exception", "exception_type, failed_at, id", null));
        ddl.add(index(d, n, dead, "dead_letters_by_endpoint", "received_at, failed_at, id", null));
        ddl.add(d.partialIndexes() ? index(d, n, dead, "dead_letters_waiting", "failed_at, id", "replayed_at IS NULL")
                : index(d, n, dead, "dead_letters_waiting", "replayed_at, failed_at, id", null));
        ddl.add("CREATE TABLE IF NOT EXISTS " + n.audit() + " (\n"
                + "  id " + d.uuidType() + " NOT NULL PRIMARY KEY,\n"
                + "  acted_at " + d.timestampType() + " NOT NULL,\n"
                + "  actor VARCHAR(250) NOT NULL,\n"
                + "  action VARCHAR(64) NOT NULL,\n"
                + "  selection " + d.textType() + " NOT NULL,\n"
                + "  detail " + d.textType() + " NULL,\n"
                + "  touched INTEGER NOT NULL\n"
                + ")");
        ddl.add(index(d, n, n.audit(), "audit_acted", "acted_at, id", null));
        return ddl;
    }

    /** A partial index, or where the database has none, a composite one led by the filtered column. */
    private static String index(Dialect d, SchemaNames n, String table, String name, String columns, String where) {
        String indexName = n.prefix() + name;
        if (where == null) {
            return "CREATE INDEX IF NOT EXISTS " + indexName + " ON " + table + " (" + columns + ")";
        }
        if (d.partialIndexes()) {
            return "CREATE INDEX IF NOT EXISTS " + indexName + " ON " + table + " (" + columns + ") WHERE " + where;
        }
        String leading = where.startsWith("status") ? "status, " : "";
        return "CREATE INDEX IF NOT EXISTS " + indexName + " ON " + table + " (" + leading + columns + ")";
    }
}
