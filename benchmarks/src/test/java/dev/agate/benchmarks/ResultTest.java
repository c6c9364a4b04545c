package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ResultTest {

    @Test
    void convertsNanosecondsToRoundedFigures() {
        Histogram latencies = new Histogram(3);
        for (long micros = 1; micros <= 100; micros++) {
            latencies.recordValue(micros * 1_000);
        }

        Result result = Result.of("s", 2, 20_000, 2_000_000_000L, latencies, 3_000_000_000L, 5_000_000L, 64L * 1024 * 1024);

        assertThat(result.elapsedSeconds()).isEqualTo(2.0);
        assertThat(result.messagesPerSecond()).isEqualTo(10_000.0);
        assertThat(result.latencySamples()).isEqualTo(100);
        assertThat(result.p50Micros()).isCloseTo(50.0, within(0.1));
        assertThat(result.p99Micros()).isCloseTo(99.0, within(0.1));
        assertThat(result.maxMicros()).isCloseTo(100.0, within(0.1));
        assertThat(result.cpuSecondsPer10k()).isEqualTo(1.5);
        assertThat(result.allocatedBytesPerMessage()).isEqualTo(250.0);
        assertThat(result.peakHeapMb()).isEqualTo(64.0);
    }

    @Test
    void roundTripsAreStatementsPlusCommits_walBytesPerMessage() {
        Result result = Result.of("outbox-local postgres floor", 8, 2_000, 1_000_000_000L, new Histogram(3), 1, 1, 1,
                new CountingDataSource.Counts(4_520, 2_180, 0)).withWalBytes(3_001_000);

        assertThat(result.statementsPerMessage()).isEqualTo(2.26);
        assertThat(result.commitsPerMessage()).isEqualTo(1.09);
        assertThat(result.roundTripsPerMessage()).isEqualTo(3.35);
        assertThat(result.walBytesPerMessage()).isEqualTo(1_500.5);
        assertThat(result.offeredRate()).isEqualTo(-1);
    }

    @Test
    void aStatementThatCarriedItsCommitIsOneRoundTrip() {
        Result result = Result.of("outbox-local postgres agate", 8, 2_000, 1_000_000_000L, new Histogram(3), 1, 1, 1,
                new CountingDataSource.Counts(6_000, 2_100, 2_000));

        assertThat(result.commitsPerMessage()).isEqualTo(1.05);
        assertThat(result.roundTripsPerMessage()).isEqualTo(3.05);
    }

    @Test
    void withoutADatabase_orWithoutWal_theyAreNotAvailable() {
        Result result = Result.of("invoke", 1, 10, 1_000_000_000L, new Histogram(3), 1, 1, 1).withWalBytes(-1);

        assertThat(result.roundTripsPerMessage()).isEqualTo(-1);
        assertThat(result.walBytesPerMessage()).isEqualTo(-1);
    }

    @Test
    void rendersAMarkdownRow() {
        Result result = new Result("invoke", 1, 1_000_000, 1.25, 800_000.4, 1_000_000, 0.8, 4.25, 6651.9, 0.0123, 1234.4, 134.56);

        assertThat(MarkdownTable.row(result))
                .isEqualTo("| invoke | 1 | 1,000,000 | 800,000 | 0.80 | 4.25 | 6651.90 | 0.012 | 1,234 | 134.6 | n/a | n/a | n/a | n/a |");
        assertThat(MarkdownTable.row(new Result("x", 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 1)))
                .isEqualTo("| x | 1 | 1 | 1 | 1.00 | 1.00 | 1.00 | n/a | n/a | 1.0 | n/a | n/a | n/a | n/a |");
        assertThat(MarkdownTable.row(new Result("y", 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3.456, 1.01)))
                .endsWith("| 1.0 | 3.46 | 1.01 | 4.47 | n/a |");
        assertThat(MarkdownTable.row(new Result("y", 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3.456, 1.01).withWalBytes(1_234_567)))
                .endsWith("| 1.0 | 3.46 | 1.01 | 4.47 | 1,234,567 |");
        assertThat(MarkdownTable.render(java.util.List.of(result))).startsWith(MarkdownTable.HEADER + "\n|---|");
    }
}
