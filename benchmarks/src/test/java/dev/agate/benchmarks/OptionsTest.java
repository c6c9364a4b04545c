package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void defaultsToAFullRunOfEveryScenario() throws UsageException {
        Options options = Options.parse();

        assertThat(options.quick()).isFalse();
        assertThat(options.scenarios()).containsExactly("buffered-local", "invoke", "durable-local", "outbox-local", "outbox-peer",
                "outbox-namastack", "tcp-durable", "tcp-lightweight", "rabbitmq-durable");
        assertThat(options.store()).isEmpty();
        assertThat(options.output()).isEqualTo(Options.DEFAULT_OUTPUT);
        assertThat(options.inProcess()).isFalse();
    }

    @Test
    void tellsAScenarioJvmToRunOneScenarioInProcessOnTheSameStore() throws UsageException {
        Options options = Options.parse("--quick", "--store", "sqlite");

        Options child = Options.parse(options.forOneScenario("durable-local", Path.of("child.json")).toArray(String[]::new));

        assertThat(child).isEqualTo(new Options(true, java.util.List.of("durable-local"), java.util.Optional.of("sqlite"),
                Path.of("child.json"), true));
    }

    @Test
    void aQuickRunMeasuresOneStoreUnlessToldWhich() throws UsageException {
        assertThat(Options.parse("--quick").store()).contains(Options.QUICK_STORE);
        assertThat(Options.parse("--quick", "--store", "sqlite").store()).contains("sqlite");
        assertThat(Options.parse().store()).isEmpty();
    }

    @Test
    void keepsTheRunOrderWhateverTheOrderOfScenarioOptions() throws UsageException {
        Options options = Options.parse("--scenario", "invoke", "--quick", "--scenario", "buffered-local",
                "--store", "postgres", "--output", "out.json");

        assertThat(options.quick()).isTrue();
        assertThat(options.scenarios()).containsExactly("buffered-local", "invoke");
        assertThat(options.store()).contains("postgres");
        assertThat(options.output()).isEqualTo(Path.of("out.json"));
    }

    @Test
    void rejectsWhatItDoesNotKnow() {
        assertThatThrownBy(() -> Options.parse("--fast")).isInstanceOf(UsageException.class).hasMessageContaining("'--fast'");
        assertThatThrownBy(() -> Options.parse("--scenario", "nope")).hasMessageContaining("unknown scenario 'nope'");
        assertThatThrownBy(() -> Options.parse("--store", "oracle")).hasMessageContaining("sqlite, postgres, mariadb");
        assertThatThrownBy(() -> Options.parse("--scenario")).hasMessage("--scenario needs a value");
    }

    @Test
    void usageListsTheKnownScenarios() {
        assertThat(Options.usage()).contains("known scenarios: buffered-local, invoke");
    }
}
