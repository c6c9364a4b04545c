package dev.agate.tcp;

import dev.agate.spi.BatchReceiver;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import dev.agate.tcp.internal.EventLoops;
import dev.agate.tcp.internal.Settings;
import dev.agate.tcp.internal.TcpListener;
import dev.agate.tcp.internal.TcpSender;
import dev.agate.tcp.internal.TlsContexts;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code tcp://HOST:PORT} transport: batches of envelopes and their answers over TCP (Netty, NIO),
 * in the frames of docs/wire-protocol.md. {@code new TcpTransport()} (what {@link java.util.ServiceLoader}
 * finds) uses the defaults below; {@link #builder()} changes them, adds TLS ({@link TcpTls}) and a
 * shared-secret token ({@link TcpToken}).
 *
 * <p><b>Guarantees.</b> A listener answers each batch with what its receiver's stage completed with and
 * reads nothing more from that connection until then (one batch in flight per connection, so memory is
 * bounded by the max frame size per connection). A sender's stage completes with the listener's answer, or
 * exceptionally ({@link dev.agate.AgateException}) when it cannot connect, the handshake is refused (the
 * reason is in the message), the connection breaks, or no answer comes within the answer timeout; a batch
 * over the max frame size fails with an {@link IllegalArgumentException} before anything is sent. A peer
 * that breaks the protocol, is too slow, or stays idle loses its connection, with one WARN line; the
 * listener keeps serving everyone else.
 *
 * <p><b>Threads.</b> One {@code agate-tcp-accept} thread and {@link Builder#ioThreads} {@code agate-tcp-io}
 * threads per transport, created on first use, daemon; receivers are called on the io threads and must not
 * block. {@link #listen} blocks until the port is bound; {@link #sender} never blocks (it connects on the
 * first batch). Thread-safe.
 */
public final class TcpTransport implements Transport {
    /** Default max frame size: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

    private final Settings settings;
    private final EventLoops loops;
    private final Set<TcpListener> listeners = ConcurrentHashMap.newKeySet();
    private final Set<TcpSender> senders = ConcurrentHashMap.newKeySet();
    private SslContext serverTls;
    private SslContext clientTls;
    private boolean closed;

    /** A transport with the default settings, plain TCP, no token. */
    public TcpTransport() {
        this(builder());
    }

    private TcpTransport(Builder b) {
        this.settings = new Settings(b.maxFrameSize, b.connectTimeout, b.answerTimeout, b.handshakeTimeout, b.frameTimeout,
                b.idleTimeout, b.ioThreads, b.tls, b.token);
        this.loops = new EventLoops(b.ioThreads);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return "tcp";
    }

    /**
     * Accepts {@code tcp://HOST:PORT} with an explicit port (0 for a listener that picks a free one) and
     * nothing after it but an optional "/".
     */
    @Override
    public void checkUri(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (!"tcp".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a tcp URI: " + uri);
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("a tcp URI needs a host and a port, like tcp://localhost:2201, but was " + uri);
        }
        if ((uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) || uri.getQuery() != null
                || uri.getFragment() != null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException("a tcp URI is only tcp://HOST:PORT but was " + uri);
        }
    }

    /**
     * Binds {@code uri}'s host and port; {@link TransportListener#address()} tells the port when it was 0.
     *
     * @throws dev.agate.AgateException when the port cannot be bound
     * @throws IllegalStateException when TLS is configured without a certificate, or the transport is closed
     */
    @Override
    public TransportListener listen(URI uri, BatchReceiver receiver) {
        checkUri(uri);
        Objects.requireNonNull(receiver, "receiver");
        TcpListener listener = TcpListener.bind(uri, receiver, settings, loops, serverTls(), listeners::remove);
        listeners.add(listener);
        return listener;
    }

    /** A sender to {@code destination}; it connects on its first batch or ping. */
    @Override
    public TransportSender sender(URI destination) {
        checkUri(destination);
        if (destination.getPort() == 0) {
            throw new IllegalArgumentException("a destination needs a port other than 0: " + destination);
        }
        TcpSender sender = new TcpSender(destination, settings, loops, clientTls(), senders::remove);
        senders.add(sender);
        return sender;
    }

    /**
     * The largest batch a sender of this transport sends: encoded envelopes plus 4 bytes each must fit in
     * {@code maxFrameSize - 13} bytes (a listener with a smaller limit lowers it further).
     */
    public int maxFrameSize() {
        return settings.maxFrameSize();
    }

    /** Closes every listener and sender it opened and stops its threads, waiting a few seconds at most. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List.copyOf(listeners).forEach(TcpListener::close);
        List.copyOf(senders).forEach(TcpSender::close);
        loops.close();
    }

    @Override
    public String toString() {
        return "TcpTransport{maxFrameSize=" + settings.maxFrameSize() + ", tls=" + (settings.tls() != null)
                + ", token=" + (settings.token() != null) + '}';
    }

    private synchronized SslContext serverTls() {
        if (settings.tls() != null && serverTls == null) {
            serverTls = TlsContexts.server(settings.tls());
        }
        return serverTls;
    }

    private synchronized SslContext clientTls() {
        if (settings.tls() != null && clientTls == null) {
            clientTls = TlsContexts.client(settings.tls());
        }
        return clientTls;
    }

    /** Builds a {@link TcpTransport}; every setting has a default. Not thread-safe. */
    public static final class Builder {
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration answerTimeout = Duration.ofSeconds(30);
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private Duration frameTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofMinutes(5);
        private int ioThreads = 2;
        private TcpTls tls;
        private TcpToken token;

        private Builder() {
        }

        /**
         * The largest frame, in bytes, a listener accepts and a sender sends (length prefix excluded);
         * a longer declared length closes the connection before anything is buffered. Default 16 MiB, at
         * least 1024.
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** How long a sender waits for a TCP connection. Default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long a sender waits for the answer to a batch or ping before it fails it and closes the connection. Default 30 s. */
        public Builder answerTimeout(Duration timeout) {
            this.answerTimeout = timeout;
            return this;
        }

        /** How long TLS plus HELLO may take, on both sides. Default 5 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** How long a frame may take to arrive once its first byte has (against peers that trickle bytes). Default 30 s. */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = timeout;
            return this;
        }

        /** A listener closes a connection that sent nothing for this long (senders reconnect when needed). Default 5 min. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /** The number of I/O threads shared by the transport's listeners and senders. Default 2. */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** TLS for listeners and senders; null (the default) for plain TCP. */
        public Builder tls(TcpTls tls) {
            this.tls = tls;
            return this;
        }

        /** A shared-secret token: senders present it, listeners require it. Null (the default) for none. */
        public Builder token(TcpToken token) {
            this.token = token;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is out of range */
        public TcpTransport build() {
            if (maxFrameSize < 1024) {
                throw new IllegalArgumentException("maxFrameSize must be >= 1024 but was " + maxFrameSize);
            }
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads must be >= 1 but was " + ioThreads);
            }
            positive(connectTimeout, "connectTimeout");
            positive(answerTimeout, "answerTimeout");
            positive(handshakeTimeout, "handshakeTimeout");
            positive(frameTimeout, "frameTimeout");
            positive(idleTimeout, "idleTimeout");
            return new TcpTransport(this);
        }

        private static void positive(Duration timeout, String name) {
            Objects.requireNonNull(timeout, name);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + timeout);
            }
        }
    }
}
