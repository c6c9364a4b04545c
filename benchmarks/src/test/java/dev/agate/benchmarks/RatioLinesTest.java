package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RatioLinesTest {

    private static Result row(String label, int producers, double perSecond, double p99Micros) {
        return new Result(label, producers, 1000, 1, perSecond, 1000, 1, p99Micros, 1, 1, 1, 1, 3, 1);
    }

    @Test
    void onePerStoreWithAnAgateRowAtP8_peersFilledInWhenTheirRowsExist() {
        List<Result> results = List.of(
                row("outbox-local sqlite floor", 8, 2000, 4000),
                row("outbox-local sqlite agate", 8, 1000, 9000),
                row("outbox-local postgres floor", 1, 500, 100),
                row("outbox-local postgres floor", 8, 4000, 5000),
                row("outbox-local postgres agate", 1, 100, 100),
                row("outbox-local postgres agate", 8, 3000, 12345),
                row("outbox-gruelbox postgres peer", 8, 2000, 1),
                row("durable-local postgres ledger", 8, 99, 1));

        assertThat(RatioLines.of(results)).containsExactly(
                "ratio outbox-local store=sqlite P=8 agate/floor=0.50 agate/peer=n/a agate/peer-tuned=n/a agate/namastack=n/a"
                        + " p99_ms=9.00 floor_p99_ms=4.00",
                "ratio outbox-local store=postgres P=8 agate/floor=0.75 agate/peer=1.50 agate/peer-tuned=n/a agate/namastack=n/a"
                        + " p99_ms=12.35 floor_p99_ms=5.00");
    }

    @Test
    void tcpDurableAtP4AgainstTheSameStoresFloorAtP8_afterTheOutboxLines() {
        List<Result> results = List.of(
                row("outbox-local postgres floor", 1, 900, 100),
                row("outbox-local postgres floor", 8, 4000, 5000),
                row("outbox-local postgres agate", 8, 3000, 12345),
                row("latency postgres floor", 8, 9999, 1),
                row("tcp-durable sqlite", 1, 50, 1),
                row("tcp-durable sqlite", 4, 100, 200_000),
                row("tcp-durable postgres", 1, 300, 1),
                row("tcp-durable postgres", 4, 1000, 150_000));

        assertThat(RatioLines.of(results)).containsExactly(
                "ratio outbox-local store=postgres P=8 agate/floor=0.75 agate/peer=n/a agate/peer-tuned=n/a agate/namastack=n/a"
                        + " p99_ms=12.35 floor_p99_ms=5.00",
                "ratio tcp-durable store=sqlite P=4 agate/floor=n/a p99_ms=200.00 floor_p99_ms=n/a",
                "ratio tcp-durable store=postgres P=4 agate/floor=0.25 p99_ms=150.00 floor_p99_ms=5.00");
    }

    @Test
    void tcpDurableAloneHasNoFloor_andNoLineWithoutItsP4Row() {
        assertThat(RatioLines.of(List.of(row("tcp-durable postgres", 4, 1000, 1500))))
                .containsExactly("ratio tcp-durable store=postgres P=4 agate/floor=n/a p99_ms=1.50 floor_p99_ms=n/a");
        assertThat(RatioLines.of(List.of(row("tcp-durable postgres", 1, 1000, 1500),
                row("outbox-local postgres floor", 8, 4000, 5000)))).isEmpty();
    }

    @Test
    void rabbitMqDurableAgainstTheSameStoresBrokerFloor_lastAndOnlyWithItsAgateRowAtP4() {
        List<Result> results = List.of(
                row("tcp-durable postgres", 4, 1000, 150_000),
                row("rabbitmq-durable sqlite broker", 4, 20_000, 3_000),
                row("rabbitmq-durable sqlite agate", 4, 1_500.4, 80_000),
                row("rabbitmq-durable postgres agate", 4, 2_000, 45_678),
                row("rabbitmq-durable postgres broker", 4, 16_000, 2_000),
                row("rabbitmq-durable mariadb agate", 1, 900, 1),
                row("rabbitmq-durable mariadb broker", 4, 10_000, 1));

        assertThat(RatioLines.of(results)).containsExactly(
                "ratio tcp-durable store=postgres P=4 agate/floor=n/a p99_ms=150.00 floor_p99_ms=n/a",
                "ratio rabbitmq-durable store=sqlite P=4 agate/broker=0.08 msg_s=1500 p99_ms=80.00",
                "ratio rabbitmq-durable store=postgres P=4 agate/broker=0.13 msg_s=2000 p99_ms=45.68");
        assertThat(RatioLines.of(List.of(row("rabbitmq-durable postgres agate", 4, 2_000, 45_678))))
                .containsExactly("ratio rabbitmq-durable store=postgres P=4 agate/broker=n/a msg_s=2000 p99_ms=45.68");
    }

    @Test
    void noneWithoutOutboxLocal() {
        assertThat(RatioLines.of(List.of(row("invoke", 1, 1, 1)))).isEmpty();
    }
}
