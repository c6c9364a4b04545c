package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** benchmarks/run checks scenario names before building; its list must be the harness's. */
class RunScriptTest {

    @Test
    void knowsTheSameScenariosAsTheHarness() throws Exception {
        String script = Files.readString(Path.of("run"));
        Matcher known = Pattern.compile("(?m)^KNOWN_SCENARIOS=\\(([^)]*)\\)").matcher(script);

        assertThat(known.find()).as("KNOWN_SCENARIOS=(...) in benchmarks/run").isTrue();
        assertThat(List.of(known.group(1).trim().split("\\s+"))).isEqualTo(Scenarios.names());
    }
}
