package dev.agate.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Names Agate's threads for what they do ({@code agate-local-orders-1}); daemon, so a forgotten host cannot keep a JVM alive. */
public final class AgateThreads {
    private static final Logger log = LoggerFactory.getLogger(AgateThreads.class);

    private AgateThreads() {
    }

    public static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler((t, e) -> log.error("uncaught exception on {}", t.getName(), e));
            return thread;
        };
    }
}
