package dev.agate.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The transactional outbox into a durable local queue, against its floor. Each producer transaction
 * inserts a business row ({@code bench_orders}, a 200-byte payload) and sends one message; the handler
 * inserts one row ({@code bench_handled}) in its own transaction. Rows, per store and for P = 1 and 8:
 * <ul>
 *   <li>{@code agate}: {@code host.inTransaction(dataSource, (connection, outbox) -> ...)} into a durable
 *       local queue (its default workers: one on SQLite, cores plus one (at least 3) on a server), a handler taking a {@link java.sql.Connection}
 *       ({@link AgateOutboxTarget});</li>
 *   <li>{@code floor}: hand-written JDBC doing the least durable SQL for the same work, with ideal batching:
 *       business row and queue row in one transaction, one relay (by default) claiming committed rows 100 at a
 *       time with {@code FOR UPDATE SKIP LOCKED} and inserting the handler rows and deleting the claimed ones in
 *       one transaction per batch ({@link FloorTarget}).</li>
 * </ul>
 * Latency is from just before the producer's transaction begins to just after the transaction that
 * handled the message committed. Every row runs on a fresh database, checked at the end: every message
 * handled exactly once, or the run fails.
 */
final class OutboxLocalScenario implements Scenario {
    static final String NAME = "outbox-local";
    static final List<String> DEFAULT_STORES = List.of("sqlite", "postgres");
    /**
     * Profiling aids, JVM system properties: {@code -Dbench.outbox.variants=agate} (default {@code floor,agate}) and
     * {@code -Dbench.outbox.producers=8} (default {@code 1,8}) run only those rows; {@code -Dbench.outbox.parallelism=N}
     * sets Agate's queue parallelism (default: the queue's own, one worker on SQLite, cores plus one, at least 3, on a server).
     */
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.outbox.variants", "floor,agate").split(","));
    private static final List<Integer> PRODUCER_COUNTS = java.util.Arrays.stream(
            System.getProperty("bench.outbox.producers", "1,8").split(",")).map(String::trim).map(Integer::valueOf).toList();
    /**
     * {@code -Dbench.count=false}: no statement counting on either row (the counting proxies cost both rows a little
     * CPU per JDBC call; their statement and round-trip columns are then n/a).
     */
    static final boolean COUNTING = Boolean.parseBoolean(System.getProperty("bench.count", "true"));
    private static final long QUICK_WARMUP = 1_000;
    private static final long QUICK_MEASURED = 2_000;

    static final String PAYLOAD = "x".repeat(200);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "outbox: each producer transaction inserts a 200-byte business row and sends one message to a durable local"
                + " queue, whose handler inserts one row in its transaction; rows 'agate' (host.inTransaction, the queue's default"
                + " workers: one on SQLite, cores plus one, at least 3, on a server) and 'floor' (hand-written JDBC: business + queue row per transaction, one relay claiming 100 rows with"
                + " FOR UPDATE SKIP LOCKED, handler inserts and deletes (PostgreSQL: id = ANY(?)) in one transaction per batch); latency = just before the"
                + " producer's transaction begins to just after the handling transaction committed; every message checked"
                + " handled exactly once";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? DEFAULT_STORES : stores) {
            for (int producers : PRODUCER_COUNTS) {
                for (String variant : List.of("floor", "agate")) {
                    if (VARIANTS.contains(variant)) {
                        results.add(measure(store, variant, producers, producers == 1 ? half(counts) : counts));
                    }
                }
            }
        }
        return results;
    }

    /**
     * P = 1 rows run half the counts: one producer on a server commits a few hundred times a second, and a
     * full run must stay short on 2 cores.
     */
    private static Size.Counts half(Size.Counts counts) {
        return new Size.Counts(counts.warmup() / 2, counts.measured() / 2);
    }

    /** The pool the application and the store share: one connection on SQLite; on a server, room for every thread. */
    static int poolSize(int producers) {
        return Math.max(10, producers + 4);
    }

    /**
     * The floor's relay threads: {@code -Dbench.floor.relays=N}, default 1 on every store (the faster at P = 8 on
     * PostgreSQL, no slower on SQLite; see the README, "The floor's shape").
     */
    static int floorRelays() {
        return Integer.getInteger("bench.floor.relays", 1);
    }

    /**
     * The floor's delete of the claimed rows: on PostgreSQL {@code id = ANY(?)} unless {@code -Dbench.floor.delete=in};
     * on SQLite and MariaDB always {@code id IN (...)}.
     */
    static FloorTarget.Delete floorDelete(BenchDatabase db) {
        FloorTarget.Delete chosen = FloorTarget.Delete.valueOf(
                System.getProperty("bench.floor.delete", "any").trim().toUpperCase(Locale.ROOT));
        return db.kind().equals("postgres") ? chosen : FloorTarget.Delete.IN;
    }

    private static Result measure(String store, String variant, int producers, Size.Counts counts) throws Exception {
        String label = NAME + " " + store + " " + variant;
        return onFreshDatabase(store, variant, label, poolSize(producers), counts.warmup() + counts.measured(),
                (target, url) -> Measurement.measure(label, producers, counts, target, url));
    }

    /** Measures one row's target; {@code url} is the row's database. */
    @FunctionalInterface
    interface Run {
        Result run(ScheduledTarget target, String url) throws Exception;
    }

    /**
     * One row on a fresh database of {@code store}: the tables, a pool of {@code poolSize} connections (SQLite: 1), the
     * {@code variant}'s target ({@code floor} or {@code agate}), {@code run}; then, on PostgreSQL, the index scans on
     * stderr ({@link PgStats#printIndexScans}), and the exactly-once check of every operation the target began, at
     * least {@code operations} (the warm-up may run more: {@link Measurement}).
     */
    static Result onFreshDatabase(String store, String variant, String label, int poolSize, long operations, Run run)
            throws Exception {
        try (BenchDatabase db = BenchDatabase.create(store)) {
            createTables(db);
            Result result;
            long begun;
            try (HikariDataSource pool = db.pool(poolSize)) {
                CountingDataSource dataSource = new CountingDataSource(pool, COUNTING);
                try (ScheduledTarget target = variant.equals("floor")
                        ? new FloorTarget(db, dataSource, floorRelays(), floorDelete(db))
                        : new AgateOutboxTarget(db, dataSource, Integer.getInteger("bench.outbox.parallelism"))) {
                    result = run.run(target, db.url());
                    begun = target.operationsBegun();
                }
            }
            PgStats.printIndexScans(db.url(), label + " P=" + result.producers());
            if (begun < operations) {
                throw new IllegalStateException(label + ": " + begun + " operations begun, fewer than the " + operations + " planned");
            }
            verifyExactlyOnce(db, label, begun);
            return result;
        }
    }

    private static void createTables(BenchDatabase db) throws Exception {
        db.execute("CREATE TABLE bench_orders (id BIGINT PRIMARY KEY, payload VARCHAR(300) NOT NULL)");
        db.execute("CREATE TABLE bench_handled (id BIGINT NOT NULL, sent_nanos BIGINT NOT NULL)");
        db.execute(switch (db.kind()) {
            case "postgres" -> "CREATE TABLE bench_queue (id BIGSERIAL PRIMARY KEY, msg_id BIGINT NOT NULL,"
                    + " payload VARCHAR(300) NOT NULL, created_nanos BIGINT NOT NULL)";
            case "mariadb" -> "CREATE TABLE bench_queue (id BIGINT AUTO_INCREMENT PRIMARY KEY, msg_id BIGINT NOT NULL,"
                    + " payload VARCHAR(300) NOT NULL, created_nanos BIGINT NOT NULL) ENGINE=InnoDB";
            // INTEGER PRIMARY KEY is the rowid: no AUTOINCREMENT, whose sqlite_sequence table is one more write per row.
            default -> "CREATE TABLE bench_queue (id INTEGER PRIMARY KEY, msg_id BIGINT NOT NULL,"
                    + " payload VARCHAR(300) NOT NULL, created_nanos BIGINT NOT NULL)";
        });
    }

    /**
     * Fails the run unless every order committed was handled exactly once: {@code n} orders with ids 1..n, and
     * {@code n} handled rows with {@code n} distinct ids 1..n (and, for the floor, an empty queue).
     */
    static void verifyExactlyOnce(BenchDatabase db, String label, long n) throws Exception {
        long[] orders = db.queryLongs("SELECT COUNT(*), MIN(id), MAX(id) FROM bench_orders", 3);
        long[] handled = db.queryLongs("SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM bench_handled", 4);
        long[] queued = db.queryLongs("SELECT COUNT(*) FROM bench_queue", 1);
        String found = String.format(Locale.ROOT, "orders: %d (ids %d..%d); handled rows: %d, distinct ids: %d (ids %d..%d); floor queue rows left: %d",
                orders[0], orders[1], orders[2], handled[0], handled[1], handled[2], handled[3], queued[0]);
        boolean ok = orders[0] == n && orders[1] == 1 && orders[2] == n
                && handled[0] == n && handled[1] == n && handled[2] == 1 && handled[3] == n && queued[0] == 0;
        if (!ok) {
            throw new IllegalStateException(label + ": NOT EXACTLY ONCE: expected " + n + " orders each handled once; " + found);
        }
        System.err.println("[bench] " + label + ": verified exactly once: " + found);
    }
}
