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
 * {@code ORDER BY id ... FOR UPDATE SKIP LOCKED} (SQLite: no such clause; its single relay's transaction takes
 * the write lock as it begins, {@code BEGIN IMMEDIATE}), {@code INSERT} the handler's rows in one JDBC batch,
 * {@code DELETE} the claimed rows in one statement ({@code id IN (...)}), {@code COMMIT}, and then record each
 * message's latency. With nothing to claim a relay waits for a wake-up, or 10 ms.
 */
final class FloorTarget implements Target {
    static final int BATCH = 100;
    private static final String INSERT_ORDER = "INSERT INTO bench_orders (id, payload) VALUES (?, ?)";
    private static final String INSERT_QUEUE = "INSERT INTO bench_queue (msg_id, payload, created_nanos) VALUES (?, ?, ?)";
    private static final String INSERT_HANDLED = "INSERT INTO bench_handled (id, sent_nanos) VALUES (?, ?)";
    private static final int GIVE_UP_AFTER_FAILURES = 20;

    private final CountingDataSource dataSource;
    private final String claimSql;
    private final boolean readCommitted;
    private final AtomicLong ids = new AtomicLong();
    private final Semaphore wakeUps = new Semaphore(0);
    private final List<Thread> relays = new ArrayList<>();
    private volatile boolean running = true;
    private volatile Phase phase;

    FloorTarget(BenchDatabase db, CountingDataSource dataSource, int relayCount) {
        this.dataSource = dataSource;
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
    public void begin(Phase phase) {
        this.phase = phase;
    }

    @Override
    public void operate() throws SQLException {
        long id = ids.incrementAndGet();
        long sentAt = System.nanoTime();
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

    /** Claims, handles and deletes one batch in one transaction; returns how many messages it handled. */
    private int relayBatch() throws SQLException {
        long[] queueIds = new long[BATCH];
        long[] msgIds = new long[BATCH];
        long[] sentAts = new long[BATCH];
        int n = 0;
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
                if (n > 0) {
                    try (PreparedStatement handled = connection.prepareStatement(INSERT_HANDLED)) {
                        for (int i = 0; i < n; i++) {
                            handled.setLong(1, msgIds[i]);
                            handled.setLong(2, sentAts[i]);
                            handled.addBatch();
                        }
                        handled.executeBatch();
                    }
                    try (PreparedStatement delete = connection.prepareStatement(deleteSql(n))) {
                        for (int i = 0; i < n; i++) {
                            delete.setLong(i + 1, queueIds[i]);
                        }
                        int deleted = delete.executeUpdate();
                        if (deleted != n) {
                            throw new IllegalStateException("claimed " + n + " queue rows but deleted " + deleted);
                        }
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
                current.handled(now - sentAts[i]);
            }
        }
        return n;
    }

    private static String deleteSql(int n) {
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
