package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.PageRequest;
import dev.agate.spi.StoreTransaction;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The plans PostgreSQL makes for the store's statements, read with {@code EXPLAIN} of their generic plan (the one
 * a pooled connection caches for a prepared statement): every statement run once per message finds its rows by
 * primary key only, on a fresh table without statistics and on a table of {@code agate.plans.rows} rows (default
 * 200,000; {@code -Dagate.plans.rows=1000000} for the figures in the docs) after {@code ANALYZE}; claims and
 * recovery use the partial indexes over unowned rows; what the store's status reads of the inbox, only the partial
 * indexes over rows that wait (never the handled rows). The statements are the ones the store really runs, recorded
 * from its connections, not copies. Every plan is printed.
 */
class QueryPlanTest {
    private static final URI ENDPOINT = URI.create("local://orders");
    private static final Pattern INDEX = Pattern.compile("(?:Index(?: Only)? Scan(?: Backward)?|Bitmap Index Scan) (?:using |on )(\\w+)");

    @Test
    void perMessageStatementsUseThePrimaryKeyOnlyAndClaimsThePartialIndexes() throws Exception {
        int rows = Integer.getInteger("agate.plans.rows", 200_000);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            Set<String> perMessage = new LinkedHashSet<>();
            Set<String> claims = new LinkedHashSet<>();
            Set<String> status = new LinkedHashSet<>();
            List<String> recorded = new ArrayList<>();
            try (JdbcMessageStore store = JdbcMessageStore.builder(recording(db.dataSource, recorded), db.url).build()) {
                store.start();
                Instant now = Instant.now();
                List<Envelope> envelopes = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    envelopes.add(Envelope.builder().messageType("OrderPlaced").contentType("application/json").destination(ENDPOINT).body(new byte[] {1}).build());
                }
                recorded.clear();
                // What one message costs: stored owned, marked handled alone and in a batch, or ended by a delete (a local
                // envelope with an id Agate made); released and deleted by id.
                store.inbox().store(null, ENDPOINT, envelopes, 7, now);
                try (StoreTransaction t = store.begin()) {
                    store.inbox().markHandled(t, envelopes.get(0).id(), 7, now.plusSeconds(60));
                    store.inbox().markHandled(t, envelopes.subList(1, 90).stream().map(Envelope::id).toList(), 7, now.plusSeconds(60));
                    store.inbox().deleteHandled(t, envelopes.subList(90, 95).stream().map(Envelope::id).toList(), 7, now.plusSeconds(60));
                    t.commit();
                }
                store.inbox().release(envelopes.subList(95, 100).stream().map(Envelope::id).toList(), 7);
                store.outbox().store(null, envelopes, 7);
                store.outbox().delete(null, envelopes.subList(0, 90).stream().map(Envelope::id).toList(), 7);
                store.outbox().release(envelopes.subList(90, 100).stream().map(Envelope::id).toList(), 7, 1);
                perMessage.addAll(recorded);
                recorded.clear();
                store.inbox().take(ENDPOINT, 7, 100);
                store.inbox().endpointsWithUnowned();
                store.outbox().claim(ENDPOINT, 7, 100);
                claims.addAll(recorded);
                recorded.clear();
                store.admin().status();
                recorded.stream().filter(sql -> sql.contains("agate_incoming_envelopes")).forEach(status::add);
            }
            perMessage.removeIf(sql -> !sql.startsWith("UPDATE") && !sql.startsWith("DELETE") && !sql.startsWith("SELECT"));
            assertThat(perMessage).as("statements recorded: mark (one or many), handled delete, release, outgoing delete and release").hasSize(5);

            try (Connection c = db.dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("SET plan_cache_mode = force_generic_plan");
                System.out.println("== plans on fresh tables, no statistics");
                checkPrimaryKeyOnly(s, perMessage);
                fill(s, rows);
                System.out.println("== plans after " + rows + " rows in each table and ANALYZE");
                checkPrimaryKeyOnly(s, perMessage);
                for (String sql : claims) {
                    String plan = explain(s, sql);
                    System.out.println(sql + "\n" + plan);
                    if (!sql.startsWith("SELECT")) {
                        assertThat(indexes(plan)).as("taking the claimed rows: " + sql).isNotEmpty().allMatch(index -> index.endsWith("_pkey"));
                    } else if (sql.contains("incoming_envelopes")) {
                        assertThat(indexes(plan)).as(sql).containsOnly("agate_incoming_unowned");
                    } else {
                        assertThat(indexes(plan)).as(sql).containsOnly("agate_outgoing_unowned");
                    }
                }
                assertThat(status).as("the status's reads of the inbox: unowned, owned, scheduled").hasSize(3);
                for (String sql : status) {
                    String plan = explain(s, sql);
                    System.out.println(sql + "\n" + plan);
                    assertThat(plan).as(sql).doesNotContain("Seq Scan");
                    assertThat(indexes(plan)).as(sql).isNotEmpty()
                            .isSubsetOf("agate_incoming_unowned", "agate_incoming_owned", "agate_incoming_scheduled");
                }
            }
        }
    }

    /**
     * What an operator's listings and actions on dead letters cost on a large table: each filter on an exact column
     * (message type, exception type, endpoint), on time, and on "not replayed" reads a range of the index made for it
     * (schema step 5), for the page, its count and the batches of an action; never the whole table. The text search
     * in exception messages is not indexed, and the count of a filter that matches (nearly) every row reads them all:
     * those plans are printed, not checked.
     */
    @Test
    void deadLetterListingsCountsAndActionsReadTheIndexOfTheirFilter() throws Exception {
        int rows = Integer.getInteger("agate.plans.rows", 200_000);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            List<String> recorded = new ArrayList<>();
            Map<String, List<String>> byFilter = new LinkedHashMap<>();
            Instant now = Instant.now();
            try (JdbcMessageStore store = JdbcMessageStore.builder(recording(db.dataSource, recorded), db.url).build()) {
                store.start();
                DeadLetter one = new DeadLetter(Envelope.builder().messageType("Type3").body(new byte[] {1}).build(), ENDPOINT, "x", "x", "x", "x", 1, now);
                store.deadLetters().moveFromInbox(one, null, now);
                PageRequest after = PageRequest.after(PageRequest.first(1).cursorAfter(one.position()), 50);
                Map<String, DeadLetterFilter> filters = new LinkedHashMap<>();
                filters.put("all", DeadLetterFilter.all());
                filters.put("type", DeadLetterFilter.builder().messageType("Type3").build());
                filters.put("exception", DeadLetterFilter.builder().exceptionType("com.example.Ex2").build());
                filters.put("endpoint", DeadLetterFilter.builder().endpoint(ENDPOINT).build());
                filters.put("time", DeadLetterFilter.builder().since(now.minusSeconds(7200)).until(now.minusSeconds(3600)).build());
                filters.put("not replayed", DeadLetterFilter.builder().replayed(false).build());
                filters.put("type, time, not replayed", DeadLetterFilter.builder().messageType("Type3").since(now.minusSeconds(7200)).replayed(false).build());
                filters.put("message text", DeadLetterFilter.builder().exceptionMessage("timeout").build());
                for (Map.Entry<String, DeadLetterFilter> filter : filters.entrySet()) {
                    recorded.clear();
                    store.deadLetters().query(filter.getValue(), PageRequest.newestFirst(50));
                    store.deadLetters().query(filter.getValue(), after);
                    if (!filter.getKey().equals("all") && !filter.getKey().equals("message text")) {
                        store.deadLetters().delete(filter.getValue(), "plans", now); // the newest match, then a locked batch
                    }
                    byFilter.put(filter.getKey(), recorded.stream().filter(sql -> sql.startsWith("SELECT") && sql.contains("agate_dead_letters")).distinct().toList());
                }
            }
            try (Connection c = db.dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("SET plan_cache_mode = force_generic_plan");
                // 20 types, 7 exceptions, 10 endpoints, one a second back from now, a tenth replayed.
                s.execute("INSERT INTO agate_dead_letters (id, message_type, received_at, reason, exception_type, exception_message, stack_trace,"
                        + " attempts, failed_at, replayable, expires_at, body, replayed_at, replayed_by)"
                        + " SELECT gen_random_uuid(), 'Type' || (g % 20), CASE WHEN g % 10 = 0 THEN 'local://orders' ELSE 'local://q' || (g % 10) END,"
                        + " 'java.lang.IllegalStateException', 'com.example.Ex' || (g % 7), 'failure ' || g, 'stack', 3,"
                        + " now() - make_interval(secs => g), true, now() + interval '7 days', '\\x01'::bytea,"
                        + " CASE WHEN g % 10 = 0 THEN now() END, CASE WHEN g % 10 = 0 THEN 'ops' END FROM generate_series(1, " + rows + ") g");
                s.execute("VACUUM ANALYZE agate_dead_letters");
                System.out.println("== dead letters: plans after " + rows + " rows and ANALYZE");
                // The index each filter's first page reads: the one that leads with its column.
                Map<String, String> own = Map.of("all", "agate_dead_letters_failed", "type", "agate_dead_letters_by_type",
                        "exception", "agate_dead_letters_by_exception", "endpoint", "agate_dead_letters_by_endpoint",
                        "time", "agate_dead_letters_failed", "not replayed", "agate_dead_letters_waiting",
                        "type, time, not replayed", "agate_dead_letters_by_type");
                for (Map.Entry<String, List<String>> filter : byFilter.entrySet()) {
                    assertThat(filter.getValue()).as(filter.getKey()).isNotEmpty();
                    if (own.containsKey(filter.getKey())) {
                        assertThat(indexes(explain(s, filter.getValue().get(0)))).as("the first page of " + filter.getKey())
                                .containsOnly(own.get(filter.getKey()));
                    }
                    for (String sql : filter.getValue()) {
                        String plan = explain(s, sql);
                        System.out.println("-- " + filter.getKey() + ": " + sql + "\n" + plan);
                        boolean mostOfTheTable = filter.getKey().equals("all") || filter.getKey().equals("not replayed");
                        if (filter.getKey().equals("message text") || (mostOfTheTable && sql.contains("COUNT"))) {
                            continue; // counting (nearly) every row reads (nearly) every row, by a scan: printed, not checked
                        }
                        assertThat(plan).as(filter.getKey() + ": " + sql).doesNotContain("Seq Scan");
                        assertThat(indexes(plan)).as(filter.getKey() + ": " + sql).isNotEmpty()
                                .allMatch(index -> index.startsWith("agate_dead_letters_") || index.endsWith("_pkey"));
                    }
                }
            }
        }
    }

    private static void checkPrimaryKeyOnly(Statement s, Set<String> statements) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String sql : statements) {
            String plan = explain(s, sql);
            System.out.println(sql + "\n" + plan);
            if (plan.contains("Seq Scan") || indexes(plan).isEmpty() || !indexes(plan).stream().allMatch(index -> index.endsWith("_pkey"))) {
                wrong.add(sql + "\n" + plan);
            }
        }
        assertThat(wrong).as("statements whose plan is not by primary key").isEmpty();
    }

    /** 90% handled rows, 5% incoming owned by 50 nodes, 5% unowned; the outbox half owned, half not. */
    private static void fill(Statement s, int rows) throws Exception {
        s.execute("INSERT INTO agate_incoming_envelopes (id, status, owner_id, attempts, message_type, received_at, body, keep_until)"
                + " SELECT gen_random_uuid(), CASE WHEN g % 20 = 0 THEN 'Incoming' WHEN g % 20 = 1 THEN 'Incoming' ELSE 'Handled' END,"
                + " CASE WHEN g % 20 = 0 THEN 1 + g % 50 ELSE 0 END, 0, 'OrderPlaced', 'local://orders', '\\x01'::bytea,"
                + " now() + interval '1 day' FROM generate_series(1, " + rows + ") g");
        s.execute("INSERT INTO agate_outgoing_envelopes (id, owner_id, destination, attempts, message_type, body)"
                + " SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN 1 + g % 50 ELSE 0 END, 'tcp://peer:1/orders', 0, 'OrderPlaced',"
                + " '\\x01'::bytea FROM generate_series(1, " + rows + ") g");
        s.execute("ANALYZE agate_incoming_envelopes");
        s.execute("ANALYZE agate_outgoing_envelopes");
    }

    /** The generic plan of {@code sql}, its {@code ?} numbered as PostgreSQL's parameters, every one null. */
    private static String explain(Statement s, String sql) throws Exception {
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        s.execute("DEALLOCATE ALL");
        s.execute("PREPARE plan_check AS " + numbered);
        StringBuilder plan = new StringBuilder();
        String args = n == 0 ? "" : "(" + String.join(", ", java.util.Collections.nCopies(n, "NULL")) + ")";
        try (ResultSet lines = s.executeQuery("EXPLAIN EXECUTE plan_check" + args)) {
            while (lines.next()) {
                plan.append("    ").append(lines.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    private static List<String> indexes(String plan) {
        List<String> found = new ArrayList<>();
        Matcher m = INDEX.matcher(plan);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** A DataSource whose connections note the SQL of every statement they prepare. */
    private static DataSource recording(DataSource target, List<String> recorded) {
        return (DataSource) Proxy.newProxyInstance(QueryPlanTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (result instanceof Connection connection) {
                        return Proxy.newProxyInstance(QueryPlanTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                                (p, m, a) -> {
                                    if (m.getName().startsWith("prepare") && a != null && a[0] instanceof String sql) {
                                        synchronized (recorded) {
                                            recorded.add(sql);
                                        }
                                    }
                                    return invoke(connection, m, a);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
