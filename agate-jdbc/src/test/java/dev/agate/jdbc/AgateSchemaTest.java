package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Creating, upgrading, validating, printing and rebuilding the schema, on each real database. */
class AgateSchemaTest {

    private static AgateSchema schemaFor(TestDatabase db) {
        return AgateSchema.forUrl(db.url, SchemaNames.defaults());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void applyCreatesEveryTableOnceAndIsIdempotent(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            AgateSchema schema = schemaFor(db);

            assertThat(schema.apply(db.dataSource)).isZero();
            assertThat(schema.apply(db.dataSource)).isEqualTo(AgateSchema.currentVersion());

            schema.validate(db.dataSource);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_schema_version")).as("one row per step").isEqualTo(AgateSchema.currentVersion());
            for (String table : List.of("agate_incoming_envelopes", "agate_outgoing_envelopes", "agate_dead_letters", "agate_nodes")) {
                assertThat(db.queryLong("SELECT COUNT(*) FROM " + table)).as(table).isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void validateNamesWhatIsMissingAndTheCommandThatFixesIt(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            assertThatThrownBy(() -> schemaFor(db).validate(db.dataSource))
                    .isInstanceOf(SchemaException.class)
                    .hasMessageContaining("agate_incoming_envelopes and others) are missing")
                    .hasMessageContaining("agate schema apply --db URL");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void nodesStartingAtOnceApplyTheSchemaExactlyOnce(TestDatabase.Kind kind) throws Exception {
        int nodes = 6;
        try (TestDatabase db = TestDatabase.create(kind)) {
            AgateSchema schema = schemaFor(db);
            ExecutorService pool = Executors.newFixedThreadPool(nodes);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Callable<Integer> start = () -> {
                    go.await();
                    return schema.apply(db.dataSource);
                };
                results.add(pool.submit(start));
            }
            go.countDown();
            List<Integer> before = new ArrayList<>();
            for (Future<Integer> result : results) {
                before.add(result.get());
            }
            pool.shutdown();

            System.out.printf("%s: %d racing applies saw versions %s%n", kind, nodes, before);
            assertThat(before).containsOnlyOnce(0);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_schema_version")).as("one row per step").isEqualTo(AgateSchema.currentVersion());
            schema.validate(db.dataSource);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aVersionOneDatabaseIsUpgradedKeepingItsRows(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Dialect dialect = Dialect.forUrl(db.url);
            SchemaNames names = SchemaNames.defaults();
            for (String statement : Migrations.versionTable(dialect, names)) {
                db.execute(statement);
            }
            for (String statement : Migrations.step(1, dialect, names)) {
                db.execute(statement);
            }
            db.execute("INSERT INTO agate_schema_version (version, applied_at) VALUES (1, "
                    + (kind == TestDatabase.Kind.SQLITE ? "0" : "CURRENT_TIMESTAMP") + ")");
            db.execute("INSERT INTO agate_incoming_envelopes (id, status, owner_id, attempts, message_type, received_at, body)"
                    + " VALUES ('" + java.util.UUID.randomUUID() + "', 'Incoming', 3, 1, 'Charge', 'local://charges', "
                    + (kind == TestDatabase.Kind.POSTGRES ? "'\\x7b7d'::bytea" : "'{}'") + ")");

            assertThat(schemaFor(db).apply(db.dataSource)).as("the version it was at").isEqualTo(1);

            schemaFor(db).validate(db.dataSource);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE takes = 0 AND crashes = 0 AND owner_id = 3"))
                    .as("the row, with the new counts at 0").isEqualTo(1);
            assertThat(schemaFor(db).apply(db.dataSource)).isEqualTo(AgateSchema.currentVersion());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void refusesADatabaseNewerThanThisBuild(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            AgateSchema schema = schemaFor(db);
            schema.apply(db.dataSource);
            db.execute("INSERT INTO agate_schema_version (version, applied_at) VALUES (99, "
                    + (kind == TestDatabase.Kind.SQLITE ? "0" : "CURRENT_TIMESTAMP") + ")");

            assertThatThrownBy(() -> schema.apply(db.dataSource))
                    .isInstanceOf(SchemaException.class).hasMessageContaining("schema version 99, newer than this build");
            assertThatThrownBy(() -> schema.validate(db.dataSource))
                    .isInstanceOf(SchemaException.class).hasMessageContaining("upgrade Agate");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void rebuildDropsEveryRowAndLeavesAValidSchema(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            AgateSchema schema = schemaFor(db);
            schema.apply(db.dataSource);
            db.execute("INSERT INTO agate_nodes (node_id, service_name, description, started_at, heartbeat_at) VALUES (1, 's', 'd', "
                    + (kind == TestDatabase.Kind.SQLITE ? "0, 0" : "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP") + ")");

            schema.rebuild(db.dataSource);

            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_nodes")).isZero();
            schema.validate(db.dataSource);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void thePrintedScriptCreatesAValidSchema(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            AgateSchema schema = schemaFor(db);
            String script = schema.print();
            assertThat(script).startsWith("-- Agate schema version " + AgateSchema.currentVersion() + " for " + schema.dialect());

            List<String> statements = new ArrayList<>();
            for (String part : script.split(";\n")) {
                String sql = part.lines().filter(l -> !l.startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
                if (!sql.isEmpty()) {
                    statements.add(sql);
                }
            }
            db.execute(statements.toArray(String[]::new));

            schema.validate(db.dataSource);
        }
    }

    @Test
    void postgresGetsPartialIndexesForTheDurabilityAgentsQueries() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            schemaFor(db).apply(db.dataSource);

            assertThat(db.queryLong("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'agate_incoming_envelopes'"
                    + " AND indexdef LIKE '%WHERE%status%'")).as("unowned, owned, scheduled, handled").isEqualTo(4);
            assertThat(db.queryLong("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'agate_outgoing_envelopes'"
                    + " AND indexdef LIKE '%WHERE%owner_id%'")).as("unowned, owned").isEqualTo(2);
            assertThat(db.queryLong("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('agate_incoming_recovery', 'agate_outgoing_recovery')"))
                    .as("the indexes a handled mark could take, dropped by step 4").isZero();
        }
    }

    @Test
    void aCustomSchemaAndPrefixAreUsedOnPostgres() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            AgateSchema schema = AgateSchema.forUrl(db.url, new SchemaNames("messaging", "billing_"));
            schema.apply(db.dataSource);

            schema.validate(db.dataSource);
            assertThat(db.queryLong("SELECT COUNT(*) FROM messaging.billing_incoming_envelopes")).isZero();
            assertThatThrownBy(() -> schemaFor(db).validate(db.dataSource)).isInstanceOf(SchemaException.class);
        }
    }

    @Test
    void rejectsNamesThatWouldBeUnsafeInSqlAndASchemaOnSqlite() {
        assertThatThrownBy(() -> new SchemaNames("x; DROP TABLE y", "agate_"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be letters, digits and underscores");
        assertThatThrownBy(() -> new SchemaNames(null, "bad-prefix"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("table prefix 'bad-prefix'");
        assertThatThrownBy(() -> AgateSchema.forUrl("jdbc:sqlite:x.db", new SchemaNames("s", "agate_")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SQLite has no schemas");
        assertThatThrownBy(() -> AgateSchema.forUrl("jdbc:oracle:thin:@x", SchemaNames.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported JDBC URL");
        assertThatThrownBy(() -> AgateSchema.forDialect("oracle", SchemaNames.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("known: [sqlite, postgres, mariadb]");
    }

    @Test
    void aSchemaChangeThatFailsOnPostgresLeavesNothingBehind() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            // A table in the way with the wrong shape: the step's index on it fails, and the whole step rolls back.
            db.execute("CREATE TABLE agate_incoming_envelopes (unrelated int)");

            assertThatThrownBy(() -> schemaFor(db).apply(db.dataSource)).isInstanceOf(SchemaException.class);

            try (Connection connection = db.dataSource.getConnection()) {
                assertThat(schemaFor(db).installedVersion(connection)).isZero();
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'agate_outgoing_envelopes'")).isZero();
        }
    }
}
