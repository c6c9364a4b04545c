package dev.agate.tcp.hosts;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.EndpointMode;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.MessageContext;
import dev.agate.jdbc.JdbcMessageStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Two services for the host-level TCP tests: a receiver that answers pings, and what each counts. */
final class Hosts {
    record Ping(int id) {
    }

    record Pong(int id) {
    }

    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(200))
            .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2));

    private Hosts() {
    }

    /** Counts each id it handles; answers each ping with a pong. */
    static final class Counter {
        final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();
        volatile long delayMillis;

        int distinct() {
            return handled.size();
        }

        int total() {
            return handled.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        void count(int id) {
            handled.computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
        }
    }

    static final class Ponger {
        final Counter counter = new Counter();

        @Handler
        void on(Ping ping, MessageContext context) throws InterruptedException {
            if (counter.delayMillis > 0) {
                Thread.sleep(counter.delayMillis);
            }
            counter.count(ping.id());
            if (context.envelope().replyTo() != null) { // a sender without a listener takes no answers
                context.respond(new Pong(ping.id()));
            }
        }
    }

    static final class Pinger {
        final Counter counter = new Counter();

        @Handler
        void on(Pong pong) {
            counter.count(pong.id());
        }
    }

    /** A listener at a free port (or {@code port}) on 127.0.0.1, in {@code mode}, handing envelopes to local://inbox. */
    static Listener listener(int port, EndpointMode mode) {
        Listener.Builder builder = Listener.at("tcp://127.0.0.1:" + port);
        return (mode == EndpointMode.DURABLE ? builder.durable() : builder.buffered()).build();
    }

    static JdbcMessageStore sqlite(Path dir, String name) {
        return JdbcMessageStore.builder("jdbc:sqlite:" + dir.resolve(name + ".db")).build();
    }

    static AgateHost.Builder host(String service) {
        return AgateHost.builder().serviceName(service).durability(FAST).shutdownTimeout(Duration.ofSeconds(5));
    }

    static URI address(AgateHost host) {
        return host.listenerAddresses().get(0);
    }
}
