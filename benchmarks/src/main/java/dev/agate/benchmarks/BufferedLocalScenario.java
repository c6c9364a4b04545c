package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bus().send} into one buffered local queue with a no-op handler, from 1 and from 4 producer
 * threads. Throughput is end to end: from the first send until the handler has seen every message.
 * Latency is from just before {@code send} to the start of the handler method, so it includes the time
 * spent waiting in the queue: producers send as fast as back-pressure lets them, the queue stays near
 * full, and the latency is mostly {@code capacity / throughput}.
 */
final class BufferedLocalScenario implements Scenario {
    static final String NAME = "buffered-local";
    private static final int CAPACITY = 10_000;
    private static final int[] PRODUCERS = {1, 4};
    private static final long QUICK_WARMUP = 300_000;
    private static final long QUICK_MEASURED = 1_000_000;

    /** The message; its type name routes it to {@code local://Ping}. */
    record Ping(long sentAtNanos) {
    }

    /** Counts each ping and records how long it took from send to here. */
    static final class PingHandler extends PhaseHandler {
        @Handler
        void on(Ping ping) {
            phase().handled(System.nanoTime() - ping.sentAtNanos());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "bus().send to a buffered local queue (parallelism = cores, capacity " + CAPACITY
                + "), no-op handler; latency = send to handler start, queueing included";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        List<Result> results = new ArrayList<>();
        for (int producers : PRODUCERS) {
            try (Target target = newTarget()) {
                results.add(Measurement.measure(NAME, producers, counts, target));
            }
        }
        return results;
    }

    private static Target newTarget() {
        PingHandler handler = new PingHandler();
        LocalQueue queue = LocalQueue.builder("Ping")
                .mode(EndpointMode.BUFFERED)
                .maximumParallelism(Runtime.getRuntime().availableProcessors())
                .capacity(CAPACITY)
                .build();
        AgateHost.Builder host = Observed.apply(AgateHost.builder()).serviceName("bench").handlers(handler).localQueue(queue);
        return new HostTarget(host, handler, (bus, phase) -> bus.send(new Ping(System.nanoTime())));
    }
}
