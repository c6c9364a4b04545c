package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Handler;
import java.util.List;

/**
 * {@code bus().invoke(message)} with a no-op handler, which runs on the calling thread, from one thread.
 * Latency is the duration of each {@code invoke} call as the caller sees it; throughput is calls per
 * second.
 */
final class InvokeScenario implements Scenario {
    static final String NAME = "invoke";
    private static final int PRODUCERS = 1;
    private static final long QUICK_WARMUP = 1_000_000;
    private static final long QUICK_MEASURED = 2_000_000;

    /** The message. */
    record Tick(long createdAtNanos) {
    }

    /** Counts each tick, so a run proves every invoke reached the handler. */
    static final class TickHandler extends PhaseHandler {
        @Handler
        void on(Tick tick) {
            phase().handled();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "bus().invoke with a no-op handler on the calling thread; latency = duration of one invoke call";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        try (Target target = newTarget()) {
            return List.of(Measurement.measure(NAME, PRODUCERS, size.counts(QUICK_WARMUP, QUICK_MEASURED), target));
        }
    }

    private static Target newTarget() {
        TickHandler handler = new TickHandler();
        return new HostTarget(Observed.apply(AgateHost.builder()).serviceName("bench").handlers(handler), handler, (bus, phase) -> {
            long start = System.nanoTime();
            bus.invoke(new Tick(start));
            phase.record(System.nanoTime() - start);
        });
    }
}
