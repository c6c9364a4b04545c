package dev.agate.tcp.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NIO event loop groups of one transport, created on first use: one thread accepting connections
 * ({@code agate-tcp-accept}) and a few doing all connection I/O for listeners and senders
 * ({@code agate-tcp-io}). Daemon threads, so a forgotten transport does not keep a JVM alive.
 * Thread-safe.
 */
public final class EventLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);

    private final int ioThreads;
    private EventLoopGroup accept;
    private EventLoopGroup io;
    private boolean closed;

    public EventLoops(int ioThreads) {
        this.ioThreads = ioThreads;
    }

    synchronized EventLoopGroup accept() {
        checkOpen();
        if (accept == null) {
            accept = new NioEventLoopGroup(1, new DefaultThreadFactory("agate-tcp-accept", true));
        }
        return accept;
    }

    synchronized EventLoopGroup workers() {
        checkOpen();
        if (io == null) {
            io = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("agate-tcp-io", true));
        }
        return io;
    }

    /** Shuts the groups down without a quiet period, waiting at most a few seconds. */
    @Override
    public void close() {
        EventLoopGroup a;
        EventLoopGroup w;
        synchronized (this) {
            closed = true;
            a = accept;
            w = io;
        }
        Future<?> acceptDone = a == null ? null : a.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        Future<?> ioDone = w == null ? null : w.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        for (Future<?> done : new Future<?>[] {acceptDone, ioDone}) {
            if (done != null && !done.awaitUninterruptibly(3, TimeUnit.SECONDS)) {
                log.warn("agate-tcp event loops did not stop within 3 s");
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the tcp transport is closed");
        }
    }
}
