package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The stages line: each message timed once its two ends are reported, in either order; none timed, no line. */
class StagesTest {
    private static final long MS = 1_000_000;
    private final AtomicLong now = new AtomicLong();
    private final Stages stages = new Stages(now::get);

    @Test
    void aPhaseWhoseTargetTimedNothingHasNoLine() {
        assertThat(stages.summary()).isNull();
    }

    @Test
    void eachStageIsTheTimeBetweenTwoOfAMessagesEnds() {
        now.set(3 * MS);
        stages.returned(1); // started at 0: 3 ms in its producer
        stages.handled(1, 0, 10 * MS, 17 * MS); // waited 7 ms, handled in 7 ms

        assertThat(stages.summary()).isEqualTo(
                "stages (p50/p99/max ms): producer 3.00/3.00/3.00, wait 7.00/7.00/7.00, handling 7.00/7.00/7.00 (1 messages timed, 0 not)");
    }

    @Test
    void aProducerThatReturnsAfterTheHandlingIsTimedAllTheSame() {
        stages.handled(1, 0, 2 * MS, 5 * MS); // handled before its producer's return was noted, as in Agate
        now.set(4 * MS);
        stages.returned(1);

        assertThat(stages.summary()).isEqualTo(
                "stages (p50/p99/max ms): producer 4.00/4.00/4.00, wait 0.00/0.00/0.00, handling 3.00/3.00/3.00 (1 messages timed, 0 not)");
    }

    @Test
    void aMessageHandledTwiceBeforeItsReturnIsTimedByItsLaterHandling() {
        stages.handled(1, 0, MS, 2 * MS);
        stages.handled(1, 0, 3 * MS, 5 * MS);
        now.set(MS);
        stages.returned(1);

        assertThat(stages.summary()).isEqualTo(
                "stages (p50/p99/max ms): producer 1.00/1.00/1.00, wait 2.00/2.00/2.00, handling 2.00/2.00/2.00 (1 messages timed, 0 not)");
    }

    @Test
    void messagesWithOneEndReportedAreCountedApart() {
        now.set(MS);
        stages.returned(1);
        stages.handled(1, 0, MS, 2 * MS);
        stages.returned(2); // not handled yet
        stages.handled(3, 0, MS, 2 * MS); // its producer has not returned yet

        assertThat(stages.summary()).endsWith("(1 messages timed, 2 not)");
    }
}
