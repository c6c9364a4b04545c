package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.SchemaNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/agate}, as a child process. It runs with AGATE_SKIP_BUILD=1: inside a Maven build the
 * command is already compiled (agate-cli writes target/classpath.txt right after compiling), and the script
 * must not start a second Maven build in the same directory.
 */
class BinAgateScriptTest {

    @Test
    void binAgatePrintsTheSchemaAndExitsZero(@TempDir Path dir) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder builder = new ProcessBuilder(root.resolve("bin/agate").toString(), "schema", "print", "--dialect", "postgres")
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("AGATE_SKIP_BUILD", "1");
        builder.environment().remove("AGATE_DB_URL");

        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("bin/agate finished within a minute").isTrue();

        assertThat(process.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out)).isEqualTo(AgateSchema.forDialect("postgres", SchemaNames.defaults()).print());
        assertThat(Files.readString(err)).isEmpty();
    }
}
