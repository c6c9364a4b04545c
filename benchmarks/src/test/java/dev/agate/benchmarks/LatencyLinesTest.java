package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyLinesTest {

    private static Result row(String label, double perSecond, double p50Micros, double p99Micros, double offeredRate) {
        return new Result(label, 16, 1000, 1, perSecond, 1000, p50Micros, p99Micros, 1, 1, 1, 1, 3, 1, 4, 900, offeredRate, 500);
    }

    @Test
    void onePerStore_rateAndAgatesP50AndP99_floorsP99() {
        List<Result> results = List.of(
                row("outbox-local postgres floor", 5000, 1, 1, -1),
                row("latency sqlite floor-max", 3000, 1, 1, -1),
                row("latency sqlite floor", 1490, 2_000, 9_000, 1500),
                row("latency sqlite agate", 1480, 3_000, 45_678, 1500),
                row("latency postgres floor", 2490, 1_500, 6_000, 2500.4));

        assertThat(LatencyLines.of(results)).containsExactly(
                "latency outbox-local store=sqlite rate=1500 agate_p50_ms=3.00 agate_p99_ms=45.68 floor_p99_ms=9.00",
                "latency outbox-local store=postgres rate=2500 agate_p50_ms=n/a agate_p99_ms=n/a floor_p99_ms=6.00");
    }

    @Test
    void noneWithoutLatencyRows() {
        assertThat(LatencyLines.of(List.of(row("outbox-local postgres agate", 1, 1, 1, -1)))).isEmpty();
    }

    @Test
    void theHarnessHandsTheRunsFloorRowsAtP8ToTheScenario() {
        List<Result> results = List.of(
                new Result("outbox-local sqlite floor", 1, 1000, 1, 700, 1000, 1, 1, 1, 1, 1, 1),
                new Result("outbox-local sqlite floor", 8, 1000, 1, 3000.44, 1000, 1, 1, 1, 1, 1, 1),
                new Result("outbox-local sqlite agate", 8, 1000, 1, 2000, 1000, 1, 1, 1, 1, 1, 1),
                new Result("outbox-local postgres floor", 8, 1000, 1, 5538, 1000, 1, 1, 1, 1, 1, 1));

        assertThat(LatencyScenario.floorRates(results)).contains("sqlite=3000.4,postgres=5538.0");
        assertThat(LatencyScenario.parseFloorRates("sqlite=3000.4,postgres=5538.0"))
                .isEqualTo(Map.of("sqlite", 3000.4, "postgres", 5538.0));
        assertThat(LatencyScenario.floorRates(List.of(results.get(0)))).isEmpty();
        assertThat(LatencyScenario.parseFloorRates("")).isEmpty();
    }
}
