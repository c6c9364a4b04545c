package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The stages line: only messages whose producer's return was noted are timed; none timed, no line. */
class StagesTest {
    @Test
    void aPhaseWhoseTargetTimedNothingHasNoLine() {
        assertThat(new Stages().summary()).isNull();
    }

    @Test
    void eachTimedMessageCountsOnceAndTheOthersApart() {
        Stages stages = new Stages();
        long start = System.nanoTime();
        stages.returned(1);
        stages.returned(2);
        stages.handled(1, start, System.nanoTime());
        stages.handled(2, start, System.nanoTime());
        stages.handled(3, start, System.nanoTime()); // its producer had not noted its return
        stages.handled(1, start, System.nanoTime()); // noted once, timed once

        assertThat(stages.summary())
                .startsWith("stages (p50/p99/max ms): producer ")
                .contains(", wait ", ", handling ")
                .endsWith("(2 messages timed, 2 not)");
    }

    @Test
    void aHandlingThatBeganBeforeItsProducerReturnedWaitedNothing() {
        Stages stages = new Stages();
        long start = System.nanoTime();
        long began = System.nanoTime();
        stages.returned(7); // after the handling began, as in Agate, which hands over before inTransaction returns
        stages.handled(7, start, began);

        assertThat(stages.summary()).contains(", wait 0.00/0.00/0.00,");
    }
}
