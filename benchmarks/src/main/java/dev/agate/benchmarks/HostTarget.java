package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.MessageBus;

/** A {@link Target} that is an Agate host: one handler object, and an operation run against its bus. */
final class HostTarget implements Target {
    private final AgateHost host;
    private final PhaseHandler handler;
    private final Operation operation;
    private volatile Phase phase;

    /** What a producer does once; {@code phase} is for latencies measured on the producer's side. */
    @FunctionalInterface
    interface Operation {
        void run(MessageBus bus, Phase phase) throws Exception;
    }

    /**
     * Starts a host from {@code builder}, which must already hold {@code handler} and any queues.
     */
    HostTarget(AgateHost.Builder builder, PhaseHandler handler, Operation operation) {
        this.handler = handler;
        this.operation = operation;
        this.host = Observed.start(builder);
    }

    @Override
    public void begin(Phase phase) {
        this.phase = phase;
        handler.begin(phase);
    }

    @Override
    public void operate() throws Exception {
        operation.run(host.bus(), phase);
    }

    @Override
    public void close() {
        host.close();
    }
}
