package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonReportTest {

    @Test
    void writesMachineRunAndResults(@TempDir Path dir) throws Exception {
        Options options = Options.parse("--quick", "--scenario", "invoke", "--store", "sqlite");
        Result result = new Result("invoke", 1, 10, 0.5, 20.0, 10, 1.0, 2.0, 3.0, 0.1, 96.0, 12.5);

        Path written = JsonReport.write(dir.resolve("results/latest.json"), options, List.of(result));

        JsonNode json = new ObjectMapper().readTree(written.toFile());
        assertThat(json.get("date").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*");
        assertThat(json.at("/run/size").asText()).isEqualTo("quick");
        assertThat(json.at("/run/store").asText()).isEqualTo("sqlite");
        assertThat(json.at("/machine/cores").asInt()).isPositive();
        assertThat(json.at("/machine/jvmVersion").asText()).isNotBlank();
        assertThat(json.at("/scenarios/invoke").asText()).contains("invoke");
        assertThat(json.at("/results/0/scenario").asText()).isEqualTo("invoke");
        assertThat(json.at("/results/0/p99Micros").asDouble()).isEqualTo(2.0);
        assertThat(JsonReport.readResults(written)).containsExactly(result);
        assertThat(json.get("ratios").isArray()).isTrue();
        assertThat(json.get("latency").isArray()).isTrue();
    }

    @Test
    void anOpenLoopRowKeepsItsRateAndStartLag_andItsLineIsInTheReport(@TempDir Path dir) throws Exception {
        Options options = Options.parse("--quick", "--scenario", "latency", "--store", "postgres");
        Result agate = new Result("latency postgres agate", 40, 3000, 1.2, 2500, 3000, 8_000, 40_000, 90_000, 1, 1, 1, 3.1, 1.1,
                4.2, 1_830.5, 2500, 1_500);

        Path written = JsonReport.write(dir.resolve("latest.json"), options, List.of(agate));

        JsonNode json = new ObjectMapper().readTree(written.toFile());
        assertThat(json.at("/results/0/offeredRate").asDouble()).isEqualTo(2500);
        assertThat(json.at("/results/0/startLagP99Micros").asDouble()).isEqualTo(1500);
        assertThat(json.at("/results/0/roundTripsPerMessage").asDouble()).isEqualTo(4.2);
        assertThat(json.at("/results/0/walBytesPerMessage").asDouble()).isEqualTo(1_830.5);
        assertThat(json.at("/units/walBytesPerMessage").asText()).contains("pg_wal_lsn_diff");
        assertThat(json.at("/latency/0").asText())
                .isEqualTo("latency outbox-local store=postgres rate=2500 agate_p50_ms=8.00 agate_p99_ms=40.00 floor_p99_ms=n/a");
        assertThat(JsonReport.readResults(written)).containsExactly(agate);
    }
}
