package dev.agate.tcp.internal;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import io.netty.buffer.ByteBuf;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link TransportSender} over one connection at a time: opened on the first batch or ping, reused
 * while it is open, replaced when it closed. Thread-safe; the lock guards only which connection is
 * current, never I/O.
 */
public final class TcpSender implements TransportSender {
    private final URI destination;
    private final Settings settings;
    private final EventLoops loops;
    private final SslContext ssl;
    private final Consumer<TcpSender> onClose;
    private final AtomicLong ids = new AtomicLong();
    private SenderConnection connection;
    private boolean closed;

    public TcpSender(URI destination, Settings settings, EventLoops loops, SslContext ssl, Consumer<TcpSender> onClose) {
        this.destination = destination;
        this.settings = settings;
        this.loops = loops;
        this.ssl = ssl;
        this.onClose = onClose;
    }

    @Override
    public URI destination() {
        return destination;
    }

    @Override
    public CompletionStage<ReceiveAnswer> send(List<Envelope> batch) {
        long id = ids.incrementAndGet();
        ByteBuf frame;
        try {
            frame = FrameCodec.encodeBatch(id, batch, settings.maxFrameSize());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cannot send to " + destination + ": " + e.getMessage(), e));
        }
        CompletableFuture<SenderConnection> connection = connection();
        connection.exceptionally(e -> {
            frame.release();
            return null;
        });
        return connection.thenCompose(c -> {
            int length = frame.readableBytes() - 4;
            if (length > c.peerMaxFrameSize()) {
                frame.release();
                return CompletableFuture.failedFuture(new IllegalArgumentException("cannot send to " + destination + ": a batch of "
                        + batch.size() + " envelope(s) encodes to a frame of " + length + " bytes, over the listener's max frame size "
                        + c.peerMaxFrameSize() + "; split it"));
            }
            return c.request(id, frame);
        }).thenApply(answer -> {
            if (answer instanceof Frame.Answer a) {
                return a.answer();
            }
            throw new AgateException(destination + " answered batch " + id + " with " + answer);
        });
    }

    @Override
    public CompletionStage<Void> ping() {
        long id = ids.incrementAndGet();
        return connection().thenCompose(c -> c.request(id, FrameCodec.encode(new Frame.Ping(id)))).thenAccept(answer -> {
            if (!(answer instanceof Frame.Pong)) {
                throw new AgateException(destination + " answered ping " + id + " with " + answer);
            }
        });
    }

    @Override
    public void close() {
        SenderConnection current;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = connection;
            connection = null;
        }
        if (current != null) {
            current.close("the sender to " + destination + " was closed");
        }
        onClose.accept(this);
    }

    /** The current connection once its handshake is done, opening one if there is none. */
    private CompletableFuture<SenderConnection> connection() {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the sender to " + destination + " is closed"));
            }
            if (connection != null && !connection.isClosed() && connection.isStale()) {
                connection.close("unused for half the listener's idle timeout; replaced");
            }
            if (connection == null || connection.isClosed()) {
                try {
                    connection = SenderConnection.open(destination, settings, loops.workers(), ssl);
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(new AgateException("cannot connect to " + destination + ": " + e.getMessage(), e));
                }
            }
            return connection.ready();
        }
    }

    @Override
    public String toString() {
        return "TcpSender{" + destination + '}';
    }
}
