package dev.agate.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code floor} rows of {@code outbox-local}: the least durable SQL for the outbox's work, written by
 * hand, with ideal batching.
 *
 * <p>A producer, in one transaction: {@code INSERT} the business row, {@code INSERT} a queue row (the message
 * as a small JSON payload, and the producer's start time), {@code COMMIT}; then it wakes the relays in-process
 * (as Agate hands a committed envelope to its local queue at once, so neither side polls for fresh work).
 *
 * <p>Relay threads loop, one transaction per batch: {@code SELECT} up to {@value #BATCH} queue rows
 * {@code ORDER BY id ... FOR UPDATE SKIP LOCKED} (SQLite: no such clause; its relay's transaction takes
 * the write lock as it begins, {@code BEGIN IMMEDIATE}), {@code INSERT} the handler's rows in one JDBC batch,
 * {@code DELETE} the claimed rows in one statement, {@code COMMIT}, and then record each message's latency.
 * With nothing to claim a relay waits for a wake-up, or 10 ms.
 *
 * <p>How many relays, and the form of the delete, are the scenario's choice ({@link OutboxLocalScenario#floorRelays}):
 * by default one relay on every store, and on PostgreSQL {@code DELETE ... WHERE id = ANY(?)} with one
 * {@code bigint[]} parameter (one statement text, prepared once on the server), elsewhere {@code id IN (?, ?, ...)}
 * (SQLite and MariaDB have no array parameter). One relay was the faster on PostgreSQL at P = 8, and no slower
 * on SQLite (README, "The floor's shape"): alone it takes bigger batches (1.09 commits per message against 1.20
 * with two relays, which skip each other's locked rows and commit smaller batches), and a second relay only
 * shares the two cores with the producers and the server.
 */
final class FloorTarget implements ScheduledTarget {
    static final int BATCH = 100;
    private static final String INSERT_ORDER = "INSERT INTO bench_orders (id, payload) VALUES (?, ?)";
    private static final String INSERT_QUEUE = "INSERT INTO bench_queue (msg_id, payload, created_nanos) VALUES (?, ?, ?)";
    private static final String INSERT_HANDLED = "INSERT INTO bench_handled (id, sent_nanos) VALUES (?, ?)";
    private static final String DELETE_ANY = "DELETE FROM bench_queue WHERE id = ANY(?)";
    private static final int GIVE_UP_AFTER_FAILURES = 20;

    /** How the relay deletes the rows it claimed. */
    enum Delete {
        /** {@code DELETE ... WHERE id = ANY(?)}, one {@code bigint[]} parameter: PostgreSQL only. */
        ANY,
        /** {@code DELETE ... WHERE id IN (?, ?, ...)}, one parameter per row: a statement text per batch size. */
        IN
    }

    private final CountingDataSource dataSource;
    private final String claimSql;
    private final Delete delete;
    private final boolean readCommitted;
    private final AtomicLong ids = new AtomicLong();
    private final Semaphore wakeUps = new Semaphore(0);
    private final List<Thread> relays = new ArrayList<>();
    private volatile boolean running = true;
    private volatile Phase phase;

    FloorTarget(BenchDatabase db, CountingDataSource dataSource, int relayCount, Delete delete) {
        if (delete == Delete.ANY && !db.kind().equals("postgres")) {
            throw new IllegalArgumentException("DELETE ... = ANY(?) takes an array parameter: PostgreSQL only, not " + db.kind());
        }
        if (relayCount < 1) {
            throw new IllegalArgumentException("the floor needs at least one relay, not " + relayCount);
        }
        this.dataSource = dataSource;
        this.delete = delete;
        String select = "SELECT id, msg_id, payload, created_nanos FROM bench_queue ORDER BY id LIMIT " + BATCH;
        this.claimSql = db.isSqlite() ? select : select + " FOR UPDATE SKIP LOCKED";
        // InnoDB's default REPEATABLE READ takes next-key locks on what FOR UPDATE scans, which would block
        // the producers' inserts at the end of the index; READ COMMITTED locks the claimed rows only.
        this.readCommitted = db.kind().equals("mariadb");
        for (int i = 0; i < relayCount; i++) {
            Thread relay = new Thread(this::relay, "bench-floor-relay-" + (i + 1));
            relay.setDaemon(true);
            relays.add(relay);
            relay.start();
        }
    }

    @Override
    public long operationsBegun() {
        return ids.get();
    }

    @Override
    public void begin(Phase phase) {
        this.phase = phase;
    }

    /** A producer's transaction; the message's latency is from {@code sentAt}: now, or its scheduled start. */
    @Override
    public void operate(long sentAt) throws SQLException {
        long id = ids.incrementAndGet();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement order = connection.prepareStatement(INSERT_ORDER);
                 PreparedStatement queue = connection.prepareStatement(INSERT_QUEUE)) {
                order.setLong(1, id);
                order.setString(2, OutboxLocalScenario.PAYLOAD);
                order.executeUpdate();
                queue.setLong(1, id);
                queue.setString(2, "{\"id\":" + id + ",\"sentAtNanos\":" + sentAt + "}");
                queue.setLong(3, sentAt);
                queue.executeUpdate();
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
        phase.stages().returned(id);
        wakeUps.release();
    }

    private void relay() {
        int failures = 0;
        while (running) {
            try {
                wakeUps.drainPermits();
                int claimed = relayBatch();
                failures = 0;
                if (claimed == 0) {
                    wakeUps.tryAcquire(10, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                failures++;
                System.err.println("[bench] floor relay: batch failed (" + failures + " in a row): " + e);
                if (failures >= GIVE_UP_AFTER_FAILURES) {
                    Phase current = phase;
                    if (current != null) {
                        current.fail(e);
                    }
                    return;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Claims, handles and deletes one batch in one transaction, on a connection it takes from the pool for the
     * batch (as the producers do; SQLite's pool has one connection, which they need too); returns how many
     * messages it handled.
     */
    private int relayBatch() throws SQLException {
        long[] queueIds = new long[BATCH];
        long[] msgIds = new long[BATCH];
        long[] sentAts = new long[BATCH];
        int n = 0;
        long claimedAt = 0;
        try (Connection connection = dataSource.getConnection()) {
            if (readCommitted) {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement claim = connection.prepareStatement(claimSql); ResultSet rows = claim.executeQuery()) {
                    while (rows.next()) {
                        queueIds[n] = rows.getLong(1);
                        msgIds[n] = rows.getLong(2);
                        rows.getString(3); // the message, as a real relay would read it
                        sentAts[n] = rows.getLong(4);
                        n++;
                    }
                }
                claimedAt = System.nanoTime();
                if (n > 0) {
                    try (PreparedStatement handled = connection.prepareStatement(INSERT_HANDLED)) {
                        for (int i = 0; i < n; i++) {
                            handled.setLong(1, msgIds[i]);
                            handled.setLong(2, sentAts[i]);
                            handled.addBatch();
                        }
                        handled.executeBatch();
                    }
                    int deleted;
                    if (delete == Delete.ANY) {
                        Long[] claimed = new Long[n];
                        for (int i = 0; i < n; i++) {
                            claimed[i] = queueIds[i];
                        }
                        try (PreparedStatement statement = connection.prepareStatement(DELETE_ANY)) {
                            statement.setArray(1, connection.createArrayOf("bigint", claimed));
                            deleted = statement.executeUpdate();
                        }
                    } else {
                        try (PreparedStatement statement = connection.prepareStatement(deleteInSql(n))) {
                            for (int i = 0; i < n; i++) {
                                statement.setLong(i + 1, queueIds[i]);
                            }
                            deleted = statement.executeUpdate();
                        }
                    }
                    if (deleted != n) {
                        throw new IllegalStateException("claimed " + n + " queue rows but deleted " + deleted);
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
        if (n > 0) {
            long now = System.nanoTime();
            Phase current = phase;
            for (int i = 0; i < n; i++) {
                current.stages().handled(msgIds[i], sentAts[i], claimedAt, now);
                current.handled(now - sentAts[i]);
            }
        }
        return n;
    }

    private static String deleteInSql(int n) {
        StringBuilder sql = new StringBuilder(40 + 2 * n).append("DELETE FROM bench_queue WHERE id IN (");
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "?" : ",?");
        }
        return sql.append(')').toString();
    }

    @Override
    public CountingDataSource.Counts statementCounts() {
        return dataSource.counts();
    }

    @Override
    public void close() {
        running = false;
        wakeUps.release(relays.size());
        for (Thread relay : relays) {
            try {
                relay.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
