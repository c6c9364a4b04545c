package dev.agate.benchmarks;

/**
 * How much work each phase does: scenarios state their counts for a quick run, and a full run multiplies
 * them by {@link #scale()}.
 */
enum Size {
    QUICK(1),
    FULL(10);

    private final int scale;

    Size(int scale) {
        this.scale = scale;
    }

    int scale() {
        return scale;
    }

    /** The warm-up and measured counts for this size, from the counts of a quick run. */
    Counts counts(long quickWarmup, long quickMeasured) {
        return new Counts(quickWarmup * scale, quickMeasured * scale);
    }

    /**
     * @param warmup   operations run first and discarded, so the JIT and the worker threads are warm
     * @param measured operations of the phase that is reported
     */
    record Counts(long warmup, long measured) {
    }
}
