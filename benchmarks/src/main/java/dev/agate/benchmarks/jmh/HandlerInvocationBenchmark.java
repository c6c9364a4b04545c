package dev.agate.benchmarks.jmh;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one handler call costs through the runtime: {@code bus().invoke(message)} on a started host with a
 * no-op {@link Handler}, which runs on the calling thread (no queue, no store, no serialization), and
 * {@code invoke(message, Pong.class)}, whose handler returns its response. The {@code direct*} benchmarks
 * call the same handler methods as plain Java, the floor the runtime's overhead is measured against.
 *
 * <p>The messages are made once, so every benchmark measures the call, not the message's allocation;
 * what {@code invoke} allocates (its envelope and unit of work) shows with {@code -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HandlerInvocationBenchmark {

    /** The message of the no-op handler. */
    public record Tick(long id) {
    }

    /** The query of the responding handler, and its response. */
    public record Ping(long id) {
    }

    public record Pong(long id) {
    }

    /** The handlers: the no-op one keeps its message in a field, so that the direct call is not dead code. */
    public static final class Handlers {
        private Object last;

        @Handler
        public void on(Tick tick) {
            last = tick;
        }

        @Handler
        public Pong on(Ping ping) {
            return new Pong(ping.id());
        }

        Object last() {
            return last;
        }
    }

    private final Tick tick = new Tick(1);
    private final Ping ping = new Ping(2);
    private Handlers handlers;
    private AgateHost host;
    private MessageBus bus;

    @Setup
    public void setUp() {
        handlers = new Handlers();
        host = AgateHost.builder().serviceName("jmh").handlers(handlers).start();
        bus = host.bus();
        bus.invoke(tick);
        if (handlers.last() != tick || bus.invoke(ping, Pong.class).id() != ping.id()) {
            throw new IllegalStateException("the handlers were not reached through invoke");
        }
    }

    @TearDown
    public void tearDown() {
        host.close();
    }

    /** {@code bus().invoke(message)} with the no-op handler. */
    @Benchmark
    public void invoke() {
        bus.invoke(tick);
    }

    /** {@code bus().invoke(message, Pong.class)}: the handler's return value comes back as the response. */
    @Benchmark
    public Pong invokeWithResponse() {
        return bus.invoke(ping, Pong.class);
    }

    /** The no-op handler called as a plain method: the baseline of {@link #invoke()}. */
    @Benchmark
    public void directCall() {
        handlers.on(tick);
    }

    /** The responding handler called as a plain method: the baseline of {@link #invokeWithResponse()}. */
    @Benchmark
    public Pong directCallWithResponse() {
        return handlers.on(ping);
    }
}
