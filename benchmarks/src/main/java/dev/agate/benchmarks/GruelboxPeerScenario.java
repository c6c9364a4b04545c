package dev.agate.benchmarks;

import com.gruelbox.transactionoutbox.Dialect;
import com.gruelbox.transactionoutbox.ExecutorSubmitter;
import com.gruelbox.transactionoutbox.Instantiator;
import com.gruelbox.transactionoutbox.Persistor;
import com.gruelbox.transactionoutbox.Submitter;
import com.gruelbox.transactionoutbox.ThreadLocalContextTransactionManager;
import com.gruelbox.transactionoutbox.TransactionManager;
import com.gruelbox.transactionoutbox.TransactionOutbox;
import com.gruelbox.transactionoutbox.TransactionOutboxEntry;
import com.gruelbox.transactionoutbox.TransactionOutboxListener;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peer of {@code outbox-local}: the same work through gruelbox transaction-outbox 4.2.268, wired as its
 * README wires it. Each producer transaction ({@code TransactionManager.fromDataSource} over a Hikari pool
 * with Hikari's defaults) inserts a ~200-byte {@code bench_orders} row and calls
 * {@code outbox.schedule(OrderHandler.class).orderPlaced(id, sentNanos)}; after the commit gruelbox submits
 * the entry to its {@link Submitter}, whose worker runs the handler in a transaction of gruelbox's (lock the
 * outbox row, invoke, delete the row, commit). The handler inserts one {@code bench_handled} row in that
 * transaction and records its latency in a post-commit hook: send to the handler's commit. A background
 * thread calls {@code flush()} as the README's "Set up the background worker" shows (flush until there is
 * nothing left, then sleep a minute), which is how an entry that overflowed the submitter's queue is ever
 * run: {@code flush()} only picks entries whose next attempt time (schedule time + attempt frequency,
 * 2 minutes by default) has passed.
 *
 * <p>Two configurations, each with P = 1 and 8: {@code peer}, gruelbox's defaults (its default submitter:
 * one worker thread, a queue of 16,384); {@code peer-tuned}, the one change a user would make first, a
 * 4-thread executor behind an {@link ExecutorSubmitter} (same queue). Stores: PostgreSQL
 * ({@code POSTGRESQL_9}) and MariaDB ({@code MY_SQL_8}: gruelbox supports MySQL; MariaDB 10.6+ has the
 * {@code SKIP LOCKED} that dialect uses). SQLite has no gruelbox dialect (its migrations are MySQL,
 * PostgreSQL or H2 SQL) and is skipped with a note. Every row gets a fresh database, and fails if any
 * message is missing or handled twice.
 */
final class GruelboxPeerScenario implements Scenario {
    static final String NAME = "outbox-peer";
    /** The row labels start like {@code outbox-local}'s, so that its ratio line finds them. */
    static final String LABEL = "outbox-local";
    static final List<String> DEFAULT_STORES = List.of("postgres");
    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/?user=root&password=";
    private static final long QUICK_WARMUP = 500;
    private static final long QUICK_MEASURED = 2_000;
    /** The queue of gruelbox's default executor, which the tuned one keeps. */
    private static final int SUBMITTER_QUEUE = 16_384;
    private static final int TUNED_WORKERS = 4;
    /** The README's background worker sleeps a minute once flush() finds nothing. */
    private static final Duration FLUSH_PAUSE = Duration.ofMinutes(1);
    private static final String PAYLOAD = "x".repeat(200);

    enum Config {
        PEER("peer"), PEER_TUNED("peer-tuned");

        final String label;

        Config(String label) {
            this.label = label;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "gruelbox transaction-outbox 4.2.268, the peer of outbox-local: each producer transaction inserts a"
                + " bench_orders row and schedules a handler call; the handler inserts a bench_handled row in gruelbox's"
                + " transaction; latency = schedule to the handler's commit; peer = gruelbox defaults (1 worker thread),"
                + " peer-tuned = a 4-thread ExecutorSubmitter; flush() every minute as its README shows";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        // Hibernate Validator (gruelbox validates every entry) logs through JBoss Logging, which would pick
        // java.util.logging and print its version at INFO; route it to slf4j-simple and the harness's levels.
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "slf4j");
        }
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? DEFAULT_STORES : stores) {
            if (store.equals("sqlite")) {
                System.err.println("[bench] " + NAME + ": gruelbox transaction-outbox 4.2.268 has no SQLite dialect"
                        + " (MySQL 5/8, PostgreSQL, H2 only); no sqlite rows");
                continue;
            }
            for (Config config : Config.values()) {
                for (int producers : new int[] {1, 8}) {
                    results.add(measure(store, config, producers, counts));
                }
            }
        }
        return results;
    }

    private static Result measure(String store, Config config, int producers, Size.Counts counts) throws Exception {
        String label = LABEL + " " + store + " " + config.label;
        try (Database db = Database.create(store)) {
            db.execute("CREATE TABLE bench_orders (id BIGINT PRIMARY KEY, payload VARCHAR(300) NOT NULL)");
            db.execute("CREATE TABLE bench_handled (id BIGINT NOT NULL)");
            Result result;
            try (GruelboxTarget target = new GruelboxTarget(db, config)) {
                result = Measurement.measure(label, producers, counts, target, db.url());
                target.verify(label, producers);
            }
            PgStats.printIndexScans(db.url(), label + " P=" + producers);
            return result;
        }
    }

    /**
     * The handler gruelbox calls: gruelbox's {@link Instantiator} hands out this instance, and the call runs in
     * the transaction gruelbox opened to process the entry (found through its thread-local transaction manager).
     */
    public static class OrderHandler {
        private ThreadLocalContextTransactionManager transactions;
        private GruelboxTarget target;

        /**
         * Public and without arguments, as gruelbox's README asks of a scheduled class: its proxy factory
         * looks for this constructor on every {@code schedule} call, and without it falls back to Objenesis
         * after a {@code NoSuchMethodException} each time.
         */
        public OrderHandler() {
        }

        OrderHandler wire(ThreadLocalContextTransactionManager transactions, GruelboxTarget target) {
            this.transactions = transactions;
            this.target = target;
            return this;
        }

        public void orderPlaced(long id, long sentNanos) throws SQLException {
            transactions.requireTransaction(tx -> {
                try (PreparedStatement insert = tx.connection().prepareStatement("INSERT INTO bench_handled (id) VALUES (?)")) {
                    insert.setLong(1, id);
                    insert.executeUpdate();
                }
                tx.addPostCommitHook(() -> target.committed(id, System.nanoTime() - sentNanos));
            });
        }
    }

    /** One row's system under test: a Hikari pool, a gruelbox outbox on it, its submitter and flush thread. */
    static final class GruelboxTarget implements Target {
        private final Database db;
        private final HikariDataSource pool;
        private final CountingDataSource counting;
        private final ThreadLocalContextTransactionManager transactions;
        private final ThreadPoolExecutor executor;
        private final TransactionOutbox outbox;
        private final Thread flusher;
        private final AtomicLong nextId = new AtomicLong();
        /** Commits per id, in chunks added as ids grow: how long the warm-up runs is not known in advance. */
        private final java.util.concurrent.ConcurrentHashMap<Long, AtomicIntegerArray> handledCounts = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong rejected = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicLong blocked = new AtomicLong();
        private final AtomicLong flushedBatches = new AtomicLong();
        private volatile Phase phase;

        private static final int COUNTS_CHUNK = 1 << 16;

        GruelboxTarget(Database db, Config config) {
            this.db = db;
            HikariConfig hikari = new HikariConfig();
            hikari.setJdbcUrl(db.url());
            hikari.setPoolName("gruelbox-" + db.kind());
            this.pool = new HikariDataSource(hikari);
            // Through the statement-counting proxies, as the outbox-local rows: round trips per message in the report.
            this.counting = new CountingDataSource(pool);
            this.transactions = TransactionManager.fromDataSource(counting);
            Submitter submitter;
            if (config == Config.PEER) {
                // gruelbox's own default, the very object build() would create when no submitter is given; passed
                // explicitly only to get hold of its executor (its thread is not a daemon: it must be shut down).
                submitter = Submitter.withDefaultExecutor();
                this.executor = executorOf(submitter);
            } else {
                this.executor = new ThreadPoolExecutor(TUNED_WORKERS, TUNED_WORKERS, 0L, TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(SUBMITTER_QUEUE));
                submitter = ExecutorSubmitter.builder().executor(executor).build();
            }
            // Still the default AbortPolicy's behaviour (the submitter catches the exception and leaves the entry
            // for flush()); counted so the report can say how many overflowed.
            executor.setRejectedExecutionHandler((task, full) -> {
                rejected.incrementAndGet();
                throw new RejectedExecutionException("queue full");
            });
            OrderHandler handler = new OrderHandler().wire(transactions, this);
            this.outbox = TransactionOutbox.builder()
                    .transactionManager(transactions)
                    .persistor(Persistor.forDialect(db.dialect()))
                    .instantiator(Instantiator.using(type -> handler))
                    .submitter(submitter)
                    .listener(new TransactionOutboxListener() {
                        @Override
                        public void failure(TransactionOutboxEntry entry, Throwable cause) {
                            failures.incrementAndGet();
                        }

                        @Override
                        public void blocked(TransactionOutboxEntry entry, Throwable cause) {
                            blocked.incrementAndGet();
                        }
                    })
                    .build(); // runs gruelbox's migrations: TXNO_OUTBOX and TXNO_VERSION
            this.flusher = new Thread(this::flushLoop, "gruelbox-flush");
            flusher.setDaemon(true);
            flusher.start();
        }

        private static ThreadPoolExecutor executorOf(Submitter submitter) {
            try {
                Field field = ExecutorSubmitter.class.getDeclaredField("executor");
                field.setAccessible(true);
                ThreadPoolExecutor executor = (ThreadPoolExecutor) field.get(submitter);
                if (executor.getMaximumPoolSize() != 1 || executor.getQueue().remainingCapacity() != SUBMITTER_QUEUE) {
                    throw new IllegalStateException("gruelbox's default executor is not the 1-thread, 16,384-slot one"
                            + " this scenario documents: " + executor);
                }
                return executor;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot reach the executor of gruelbox's default submitter", e);
            }
        }

        /** The README's background worker: flush until nothing is left, then pause a minute. */
        private void flushLoop() {
            while (!Thread.interrupted()) {
                try {
                    while (outbox.flush()) {
                        flushedBatches.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println("[bench] gruelbox flush() failed, pausing: " + e);
                }
                try {
                    Thread.sleep(FLUSH_PAUSE.toMillis());
                } catch (InterruptedException e) {
                    break;
                }
            }
        }

        @Override
        public void begin(Phase phase) {
            this.phase = phase;
        }

        @Override
        public void operate() throws Exception {
            long id = nextId.getAndIncrement();
            transactions.inTransactionThrows(tx -> {
                try (PreparedStatement insert = tx.connection().prepareStatement("INSERT INTO bench_orders (id, payload) VALUES (?, ?)")) {
                    insert.setLong(1, id);
                    insert.setString(2, PAYLOAD);
                    insert.executeUpdate();
                }
                outbox.schedule(OrderHandler.class).orderPlaced(id, System.nanoTime());
            });
        }

        /** A handler's transaction committed: the first commit of an id counts, any other is a duplicate. */
        void committed(long id, long latencyNanos) {
            AtomicIntegerArray chunk = handledCounts.computeIfAbsent(id / COUNTS_CHUNK, k -> new AtomicIntegerArray(COUNTS_CHUNK));
            if (chunk.incrementAndGet((int) (id % COUNTS_CHUNK)) == 1) {
                phase.handled(latencyNanos);
            } else {
                duplicates.incrementAndGet();
            }
        }

        /** Fails unless every message sent was handled exactly once, in memory and in the database. */
        void verify(String label, int producers) throws SQLException {
            long sent = nextId.get();
            long missing = 0;
            long twice = 0;
            for (int i = 0; i < sent; i++) {
                AtomicIntegerArray chunk = handledCounts.get((long) i / COUNTS_CHUNK);
                int count = chunk == null ? 0 : chunk.get(i % COUNTS_CHUNK);
                if (count == 0) {
                    missing++;
                } else if (count > 1) {
                    twice++;
                }
            }
            long orders = db.count("SELECT COUNT(*) FROM bench_orders");
            long handledRows = db.count("SELECT COUNT(*) FROM bench_handled");
            long distinctHandled = db.count("SELECT COUNT(DISTINCT id) FROM bench_handled");
            long outboxLeft = db.count("SELECT COUNT(*) FROM TXNO_OUTBOX");
            System.err.printf(Locale.ROOT, "[bench] %s P=%d: %,d sent, %,d entries overflowed the submitter's queue"
                            + " (%,d) and waited for flush(), %,d flush batches, %,d failed attempts, %,d blocked%n",
                    label, producers, sent, rejected.get(), SUBMITTER_QUEUE, flushedBatches.get(), failures.get(),
                    blocked.get());
            if (missing != 0 || twice != 0 || duplicates.get() != 0 || orders != sent || handledRows != sent
                    || distinctHandled != sent || outboxLeft != 0) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%s P=%d: %d sent, %d not handled, %d handled"
                                + " more than once (%d extra commits); bench_orders %d rows, bench_handled %d rows (%d ids),"
                                + " %d entries left in TXNO_OUTBOX", label, producers, sent, missing, twice,
                        duplicates.get(), orders, handledRows, distinctHandled, outboxLeft));
            }
        }

        @Override
        public CountingDataSource.Counts statementCounts() {
            return counting.counts();
        }

        @Override
        public void close() {
            flusher.interrupt();
            executor.shutdown();
            try {
                flusher.join(TimeUnit.SECONDS.toMillis(30));
                executor.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.close();
        }
    }

    /** A fresh database on the local server for one row, dropped after (as {@code durable-local} does). */
    record Database(String kind, String name, String url) implements AutoCloseable {
        static Database create(String kind) throws SQLException {
            String name = "agate_bench_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36)
                    .toLowerCase(Locale.ROOT);
            return switch (kind) {
                case "postgres" -> {
                    admin(PG_ADMIN, "CREATE DATABASE " + name);
                    yield new Database(kind, name, "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres");
                }
                case "mariadb" -> {
                    admin(MARIADB_ADMIN, "CREATE DATABASE " + name);
                    yield new Database(kind, name, "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root&password=");
                }
                default -> throw new IllegalArgumentException("no gruelbox dialect for store " + kind);
            };
        }

        Dialect dialect() {
            return kind.equals("postgres") ? Dialect.POSTGRESQL_9 : Dialect.MY_SQL_8;
        }

        void execute(String sql) throws SQLException {
            try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }

        long count(String sql) throws SQLException {
            try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            admin(kind.equals("postgres") ? PG_ADMIN : MARIADB_ADMIN,
                    "DROP DATABASE IF EXISTS " + name + (kind.equals("postgres") ? " WITH (FORCE)" : ""));
        }

        private static void admin(String url, String sql) throws SQLException {
            try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }
    }
}
