package dev.agate.rabbitmq;

import dev.agate.Handler;
import dev.agate.MessageContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The messages and handlers of the host-level tests, and what each handler counts. */
final class Messages {
    record Ping(int id) {
    }

    record Pong(int id) {
    }

    private Messages() {
    }

    /** Counts each id it handles. */
    static final class Counter {
        final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();

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

    /** Answers each ping with a pong to its reply-to, when it has one. */
    static final class Ponger {
        final Counter counter = new Counter();

        @Handler
        void on(Ping ping, MessageContext context) {
            counter.count(ping.id());
            if (context.envelope().replyTo() != null) {
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
}
