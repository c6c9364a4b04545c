package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.jdbc.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a command cannot start ends with one line on stderr and a non-zero exit, never a stack trace. */
class CommandErrorsTest {

    private static void assertOneLineError(Cli.Result result, int exitCode, String... phrases) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exitCode);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith("agate: error: ").containsOnlyOnce("\n").endsWith("\n").doesNotContain("\tat ")
                .contains(phrases);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "jdbc:oracle:thin:@//db.example:1521/app", "postgresql://127.0.0.1/x"})
    void aUrlNoStoreHandlesIsAUsageError(String url) {
        assertOneLineError(Cli.run("storage", "counts", "--db", url), 2, "unsupported JDBC URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://127.0.0.1:1/agate", "jdbc:mariadb://127.0.0.1:1/agate"})
    void anUnreachableDatabaseFailsWithinTheConnectTimeout(String url) {
        long start = System.nanoTime();

        Cli.Result result = Cli.run("dead-letters", "list", "--db", url, "--connect-timeout", "1");

        assertOneLineError(result, 1, "cannot reach the message store", "127.0.0.1:1", "Connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aDatabaseWithoutTheSchemaSaysHowToCreateIt(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            assertOneLineError(Cli.run("storage", "counts", "--db", db.url), 1, "Agate tables", "are missing", "agate schema apply");
        }
    }

    @Test
    void everyCommandOnTheStoreChecksTheSchemaAndCreatesNothing() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            String id = UUID.randomUUID().toString();
            for (List<String> command : List.of(List.of("storage", "counts"), List.of("storage", "release"),
                    List.of("dead-letters", "list"), List.of("dead-letters", "show", id),
                    List.of("dead-letters", "replay", "--all"), List.of("dead-letters", "purge", "--all"), List.of("dead-letters", "delete", "--all"),
                    List.of("dead-letters", "edit", id, "--header", "a=b"), List.of("dead-letters", "audit"), List.of("scheduled", "list"),
                    List.of("scheduled", "cancel", "--all"), List.of("scheduled", "reschedule", "--all", "--now"))) {
                String[] args = Stream.concat(command.stream(), Stream.of("--db", db.url)).toArray(String[]::new);
                assertOneLineError(Cli.run(args), 1, "are missing");
            }
        }
    }

    @Test
    void aMissingSqliteFileIsReportedAndNotCreated(@TempDir Path dir) {
        Path file = dir.resolve("typo.db");

        assertOneLineError(Cli.run("storage", "counts", "--db", "jdbc:sqlite:" + file), 1, "no SQLite database at " + file);
        assertThat(file).doesNotExist();
    }

    @Test
    void aCommandOnTheStoreNeedsADatabase() {
        assertOneLineError(Cli.run("storage", "counts"), 2, "give --db JDBC_URL or set AGATE_DB_URL");
    }

    @Test
    void theDatabaseComesFromTheEnvironmentUnlessTheFlagGivesOne() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            Seed.into(db.url, store -> { });

            Cli.Result fromEnvironment = Cli.runWith(Map.of("AGATE_DB_URL", db.url), "storage", "counts");
            Cli.Result flagWins = Cli.runWith(Map.of("AGATE_DB_URL", "garbage"), "storage", "counts", "--db", db.url);

            assertThat(fromEnvironment.exitCode()).as(fromEnvironment.toString()).isZero();
            assertThat(flagWins.exitCode()).as(flagWins.toString()).isZero();
        }
    }

    @Test
    void anUnknownOptionOrCommandIsAOneLineUsageError() {
        assertOneLineError(Cli.run("storage", "counts", "--nope"), 2, "Unknown option: '--nope'", "agate storage counts --help");
        assertOneLineError(Cli.run("storage"), 2, "counts, nodes or release");
        assertOneLineError(Cli.run(), 2, "schema, storage, dead-letters or scheduled");
    }

    @Test
    void aMistypedCommandOrOptionGetsTheClosestOnesSuggested() {
        assertOneLineError(Cli.run("storge", "counts"), 2, "'storge'", "did you mean storage?", "agate --help");
        assertOneLineError(Cli.run("dead-letters", "lst"), 2, "'lst'", "did you mean list?");
        assertOneLineError(Cli.run("storage", "counts", "--dbb", "jdbc:sqlite:x.db"), 2, "'--dbb'", "did you mean --db?");
    }

    @Test
    void helpOnAnyCommandIsNotAnError() {
        Cli.Result result = Cli.run("dead-letters", "replay", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: agate dead-letters replay").contains("--all", "--type=TYPE", "--db=JDBC_URL");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Result result = Cli.run("storage", "counts", "--db", "garbage", "--verbose");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("agate: error: unsupported JDBC URL").contains("\tat dev.agate.jdbc.");
    }

    @Test
    void aPasswordInAnErrorIsMasked() {
        assertThat(ErrorReport.oneLine("failed at jdbc:mariadb://h/db?user=root&password=s3cret&ssl=true"))
                .isEqualTo("failed at jdbc:mariadb://h/db?user=root&password=***&ssl=true");
    }
}
