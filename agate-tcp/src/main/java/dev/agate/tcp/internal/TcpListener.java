package dev.agate.tcp.internal;

import dev.agate.AgateException;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.TransportListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A bound server socket and its open connections, one {@link ListenerConnection} each. Thread-safe: the
 * set of connections is concurrent, everything else is fixed once bound.
 */
public final class TcpListener implements TransportListener {
    private final Settings settings;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final Consumer<TcpListener> onClose;
    private volatile URI address;
    private Channel server;
    private boolean closed;

    private TcpListener(Settings settings, URI address, Consumer<TcpListener> onClose) {
        this.settings = settings;
        this.address = address;
        this.onClose = onClose;
    }

    /**
     * Binds {@code uri}'s host and port (0 picks a free port) and returns once it accepts connections.
     *
     * @throws AgateException when it cannot bind
     */
    public static TcpListener bind(URI uri, BatchReceiver receiver, Settings settings, EventLoops loops, SslContext ssl,
            Consumer<TcpListener> onClose) {
        TcpListener listener = new TcpListener(settings, uri, onClose);
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops.accept(), loops.workers())
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(listener.initializer(receiver, ssl));
        ChannelFuture bound = bootstrap.bind(uri.getHost(), uri.getPort()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new AgateException("cannot listen at " + uri + ": " + bound.cause().getMessage(), bound.cause());
        }
        listener.server = bound.channel();
        listener.address = withPort(uri, ((InetSocketAddress) bound.channel().localAddress()).getPort());
        return listener;
    }

    @Override
    public URI address() {
        return address;
    }

    /** Connections open now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Connections accepted since it started. */
    public long acceptedCount() {
        return accepted.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Channel connection : List.copyOf(connections)) {
            connection.close();
        }
        for (Channel connection : List.copyOf(connections)) {
            // The close future's own listener removes it too, but only after this wait returns: count it gone now.
            if (connection.closeFuture().awaitUninterruptibly(1, TimeUnit.SECONDS)) {
                connections.remove(connection);
            }
        }
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "TcpListener{" + address + ", connections=" + connections.size() + '}';
    }

    private ChannelInitializer<SocketChannel> initializer(BatchReceiver receiver, SslContext ssl) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                accepted.incrementAndGet();
                connections.add(ch);
                ch.closeFuture().addListener(done -> connections.remove(ch));
                if (ssl != null) {
                    SslHandler tls = ssl.newHandler(ch.alloc());
                    tls.setHandshakeTimeoutMillis(settings.handshakeTimeout().toMillis());
                    ch.pipeline().addLast("tls", tls);
                }
                ch.pipeline().addLast("idle", new IdleStateHandler(settings.idleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
                ch.pipeline().addLast("agate", new ListenerConnection(TcpListener.this, receiver, settings));
                if (closed) {
                    ch.close();
                }
            }
        };
    }

    private static URI withPort(URI uri, int port) {
        try {
            return new URI(uri.getScheme(), uri.getUserInfo(), uri.getHost(), port, uri.getPath(), uri.getQuery(), uri.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot put port " + port + " into " + uri, e);
        }
    }
}
