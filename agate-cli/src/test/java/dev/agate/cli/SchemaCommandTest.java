package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.SchemaNames;
import dev.agate.jdbc.TestDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code agate schema print|apply|rebuild}, on each real database. */
class SchemaCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres", "mariadb"})
    void printWritesTheDialectsScriptAndNeedsNoDatabase(String dialect) {
        Cli.Result result = Cli.run("schema", "print", "--dialect", dialect);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo(AgateSchema.forDialect(dialect, SchemaNames.defaults()).print());
        assertThat(result.err()).isEmpty();
    }

    @Test
    void printPutsTheTablesInTheSchemaAndPrefixGiven() {
        Cli.Result result = Cli.run("schema", "print", "--dialect", "postgres", "--schema", "ops", "--prefix", "bus_");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("ops.bus_incoming_envelopes").doesNotContain("agate_incoming_envelopes");
    }

    @Test
    void printRefusesAnUnknownDialectOnOneLine() {
        Cli.Result result = Cli.run("schema", "print", "--dialect", "oracle");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).containsOnlyOnce("\n").contains("unknown dialect 'oracle'");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void applyCreatesTheTablesAndThenFindsThemUpToDate(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Cli.Result created = Cli.run("schema", "apply", "--db", db.url);
            Cli.Result again = Cli.run("schema", "apply", "--db", db.url);

            assertThat(created.exitCode()).as(created.toString()).isZero();
            assertThat(created.out()).contains("created at version " + AgateSchema.currentVersion());
            assertThat(again.out()).contains("already at version " + AgateSchema.currentVersion());
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isZero();
            assertThat(Cli.run("storage", "counts", "--db", db.url).exitCode()).isZero();
        }
    }

    @Test
    void applyCreatesAnSqliteFileThatDoesNotExistYet(@TempDir Path dir) {
        Path file = dir.resolve("new/agate.db");

        Cli.Result result = Cli.run("schema", "apply", "--db", "jdbc:sqlite:" + file);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(file).exists();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void rebuildRefusesWithoutYesAndDropsEveryRowWithIt(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Seed.into(db.url, store -> Seed.deadLetter(store, Seed.envelope("Charge", 1)));

            Cli.Result refused = Cli.run("schema", "rebuild", "--db", db.url);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err()).containsOnlyOnce("\n").contains("add --yes");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(1);

            Cli.Result rebuilt = Cli.run("schema", "rebuild", "--yes", "--db", db.url);
            assertThat(rebuilt.exitCode()).as(rebuilt.toString()).isZero();
            assertThat(rebuilt.out()).contains("rebuilt empty");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isZero();
        }
    }

    @Test
    void rebuildNamesTheDatabaseWithoutItsPassword() {
        Cli.Result refused = Cli.run("schema", "rebuild", "--db", "jdbc:postgresql://db.example/app?user=app&password=s3cret");

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("db.example/app").doesNotContain("s3cret");
    }
}
