package dev.agate.benchmarks;

/** Base of the benchmarks' handler objects: their {@code @Handler} methods report to the current phase. */
abstract class PhaseHandler {
    private volatile Phase phase;

    final void begin(Phase phase) {
        this.phase = phase;
    }

    final Phase phase() {
        return phase;
    }
}
