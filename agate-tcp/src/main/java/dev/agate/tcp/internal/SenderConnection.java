package dev.agate.tcp.internal;

import dev.agate.AgateException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The sender's end of one connection: connects, sends HELLO, and matches ANSWER and PONG frames to the
 * requests waiting for them by id.
 *
 * <p>Design: frames are read on the event loop; {@link #request} may be called from any thread, so the
 * waiting requests are a concurrent map and the first failure is kept in a volatile field. Once closed
 * (by either side, a timeout or a protocol error) a connection stays closed and fails every request,
 * the waiting ones with the reason it closed; the {@link TcpSender} then opens a new one. An answer that
 * does not come within the answer timeout closes the connection, so it cannot be taken for the answer to
 * a later batch.
 */
final class SenderConnection extends FramedHandler {
    private final URI destination;
    private final Settings settings;
    private final CompletableFuture<SenderConnection> ready = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Frame>> waiting = new ConcurrentHashMap<>();
    private volatile Channel channel;
    private volatile AgateException failure;
    private volatile int peerMaxFrameSize;
    private volatile long peerIdleNanos;
    private volatile long lastUsedNanos = System.nanoTime();
    private ScheduledFuture<?> handshakeTimer;

    private SenderConnection(URI destination, Settings settings) {
        super(settings.frameTimeout());
        this.destination = destination;
        this.settings = settings;
    }

    /** Starts connecting; {@link #ready()} completes once the handshake is done. */
    static SenderConnection open(URI destination, Settings settings, EventLoopGroup group, SslContext ssl) {
        SenderConnection connection = new SenderConnection(destination, settings);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            SslHandler tls = ssl.newHandler(ch.alloc(), destination.getHost(), destination.getPort());
                            tls.setHandshakeTimeoutMillis(settings.handshakeTimeout().toMillis());
                            ch.pipeline().addLast("tls", tls);
                        }
                        ch.pipeline().addLast("agate", connection);
                    }
                });
        ChannelFuture connect = bootstrap.connect(destination.getHost(), destination.getPort());
        connection.channel = connect.channel();
        connect.addListener(done -> {
            if (!done.isSuccess()) {
                connection.closeWith(new AgateException("cannot connect to " + destination + ": " + done.cause().getMessage(), done.cause()));
            }
        });
        return connection;
    }

    CompletableFuture<SenderConnection> ready() {
        return ready;
    }

    boolean isClosed() {
        return failure != null;
    }

    /**
     * True when this connection has been unused for half the listener's idle timeout: the listener may be
     * closing it right now, so a new batch is better sent on a new connection than raced against that.
     */
    boolean isStale() {
        return ready.isDone() && peerIdleNanos > 0 && System.nanoTime() - lastUsedNanos > peerIdleNanos / 2;
    }

    /** The largest frame the listener takes, known once {@link #ready()}. */
    int peerMaxFrameSize() {
        return peerMaxFrameSize;
    }

    /**
     * Writes {@code frame} (a BATCH or PING with id {@code id}) and completes with the frame answering it,
     * or exceptionally when the connection fails or no answer comes within the answer timeout.
     */
    CompletableFuture<Frame> request(long id, ByteBuf frame) {
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        lastUsedNanos = System.nanoTime();
        waiting.put(id, answer);
        AgateException failed = failure;
        if (failed != null) {
            frame.release();
            fail(id, failed);
            return answer;
        }
        ScheduledFuture<?> timer = channel.eventLoop().schedule(() -> timedOut(id),
                settings.answerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        answer.whenComplete((r, e) -> {
            timer.cancel(false);
            lastUsedNanos = System.nanoTime();
        });
        channel.writeAndFlush(frame).addListener(written -> {
            if (!written.isSuccess()) {
                closeWith(new AgateException("cannot write to " + destination + ": " + written.cause(), written.cause()));
            }
        });
        return answer;
    }

    /** Closes the connection; waiting requests fail with {@code reason}. */
    void close(String reason) {
        closeWith(new AgateException(reason));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        super.handlerAdded(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        handshakeTimer = ctx.executor().schedule(() -> {
            if (!ready.isDone()) {
                closeWith(new AgateException("no handshake with " + destination + " within " + settings.handshakeTimeout(),
                        new TimeoutException()));
            }
        }, settings.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        String token = settings.token() == null ? "" : settings.token().issue();
        write(new Frame.Hello(FrameCodec.VERSION, FrameCodec.VERSION, settings.maxFrameSize(), token));
        super.channelActive(ctx);
    }

    @Override
    void onFrame(Frame frame) {
        if (frame instanceof Frame.Refused refused) {
            closeWith(new AgateException(destination + (ready.isDone() ? " closed the connection: " : " refused the connection: ")
                    + refused.reason()));
        } else if (!ready.isDone()) {
            handshake(frame);
        } else if (frame instanceof Frame.Answer answer) {
            complete(answer.id(), frame);
        } else if (frame instanceof Frame.Pong pong) {
            complete(pong.id(), frame);
        } else {
            fail("unexpected " + frame.getClass().getSimpleName().toUpperCase() + " frame from a listener");
        }
    }

    @Override
    void closing(String reason) {
        closeWith(new AgateException("connection to " + destination + " closed: " + reason));
    }

    @Override
    String describe() {
        return "sender to " + destination;
    }

    private void handshake(Frame frame) {
        if (!(frame instanceof Frame.HelloOk ok)) {
            fail("expected HELLO_OK but got " + frame.getClass().getSimpleName().toUpperCase());
        } else if (ok.version() != FrameCodec.VERSION || ok.maxFrameSize() < 1 || ok.idleTimeoutMillis() < 0) {
            fail("listener chose protocol version " + ok.version() + ", max frame size " + ok.maxFrameSize()
                    + " and idle timeout " + ok.idleTimeoutMillis() + " ms; this sender speaks version " + FrameCodec.VERSION);
        } else {
            handshakeTimer.cancel(false);
            peerMaxFrameSize = ok.maxFrameSize();
            peerIdleNanos = TimeUnit.MILLISECONDS.toNanos(ok.idleTimeoutMillis());
            lastUsedNanos = System.nanoTime();
            frameLimit(settings.maxFrameSize());
            ready.complete(this);
        }
    }

    private void complete(long id, Frame frame) {
        CompletableFuture<Frame> request = waiting.remove(id);
        if (request == null) {
            fail("answer to unknown id " + id);
        } else {
            request.complete(frame);
        }
    }

    private void timedOut(long id) {
        CompletableFuture<Frame> request = waiting.remove(id);
        if (request != null) {
            // closed first, so that a sender retrying as soon as this fails does not pick this connection again
            String reason = "no answer from " + destination + " within the answer timeout " + settings.answerTimeout();
            closeWith(new AgateException(reason + "; connection closed"));
            request.completeExceptionally(new AgateException(reason, new TimeoutException()));
        }
    }

    private void fail(long id, AgateException cause) {
        CompletableFuture<Frame> request = waiting.remove(id);
        if (request != null) {
            request.completeExceptionally(cause);
        }
    }

    private void closeWith(AgateException cause) {
        synchronized (this) {
            if (failure == null) {
                failure = cause;
            }
        }
        ready.completeExceptionally(failure);
        waiting.keySet().forEach(id -> fail(id, failure));
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }
}
