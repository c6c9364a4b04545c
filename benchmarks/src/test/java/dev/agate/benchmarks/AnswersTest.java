package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

/** The TCP scenarios' exactly-once check: each id of a phase answered once, or the phase fails. */
class AnswersTest {
    private final Recorder latencies = new Recorder(3);
    private final Phase phase = new Phase(3, latencies);
    private final Answers answers = new Answers(phase, 11);

    @Test
    void aPhaseEndsWhenEachIdWasAnsweredOnce() throws Exception {
        answers.answered(12, 2_000);
        answers.answered(11, 1_000);
        answers.answered(13, 3_000);

        phase.await(Duration.ofSeconds(1));
        answers.verify();
        assertThat(latencies.getIntervalHistogram().getTotalCount()).isEqualTo(3);
    }

    @Test
    void aSecondAnswerFailsThePhase() {
        answers.answered(11, 1_000);
        answers.answered(11, 1_000);
        answers.answered(12, 1_000);
        answers.answered(13, 1_000);

        assertThatThrownBy(() -> phase.await(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("id 11 was answered 2 times");
        assertThatThrownBy(answers::verify).hasMessageContaining("0 were not answered and 1 were answered more than once");
    }

    @Test
    void anAnswerToAnIdOfAnotherPhaseFailsThePhaseAtOnce() {
        answers.answered(10, 1_000);

        assertThatThrownBy(() -> phase.await(Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("id 10, which this phase did not send (ids 11 to 13)");
    }

    @Test
    void aMissingAnswerIsReported() {
        answers.answered(11, 1_000);

        assertThatThrownBy(() -> phase.await(Duration.ofMillis(200))).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("2 of 3 operations were still not handled");
        assertThatThrownBy(answers::verify).hasMessageContaining("2 were not answered");
    }
}
