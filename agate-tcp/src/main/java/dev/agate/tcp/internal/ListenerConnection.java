package dev.agate.tcp.internal;

import dev.agate.spi.BatchReceiver;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.tcp.TcpToken;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's end of one connection: the handshake, then each BATCH handed to the receiver with the
 * connection paused until its stage completes and the ANSWER is written (one batch in flight per
 * connection), PING answered with PONG.
 *
 * <p>Design: runs on the connection's event loop; a receiver's stage may complete on any thread, so its
 * answer is handed back to the event loop before anything is touched. An answer that arrives after the
 * connection closed is dropped: the batch was not acknowledged and its sender sends it again.
 */
final class ListenerConnection extends FramedHandler {
    private static final Logger log = LoggerFactory.getLogger(ListenerConnection.class);

    private final TcpListener listener;
    private final BatchReceiver receiver;
    private final Settings settings;
    private boolean open;
    private ScheduledFuture<?> handshakeTimer;

    ListenerConnection(TcpListener listener, BatchReceiver receiver, Settings settings) {
        super(settings.frameTimeout());
        this.listener = listener;
        this.receiver = receiver;
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        handshakeTimer = ctx.executor().schedule(() -> {
            if (!open) {
                fail("no handshake within the handshake timeout " + settings.handshakeTimeout());
            }
        }, settings.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent && !paused() && !stopped()) {
            log.debug("{}: closing connection with {}, idle for {}", describe(), ctx.channel().remoteAddress(), settings.idleTimeout());
            ctx.close();
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    void onFrame(Frame frame) {
        if (!open) {
            if (frame instanceof Frame.Hello hello) {
                handshake(hello);
            } else {
                fail("expected HELLO first but got " + frame.getClass().getSimpleName().toUpperCase());
            }
        } else if (frame instanceof Frame.Batch batch) {
            receive(batch);
        } else if (frame instanceof Frame.UndecodableBatch batch) {
            log.warn("{}: batch {} from {} cannot be deserialized: {}", describe(), batch.id(), ctx.channel().remoteAddress(), batch.reason());
            write(new Frame.Answer(batch.id(), ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_DESERIALIZE, batch.reason())));
        } else if (frame instanceof Frame.Ping ping) {
            write(new Frame.Pong(ping.id()));
        } else {
            fail("unexpected " + frame.getClass().getSimpleName().toUpperCase() + " frame from a sender");
        }
    }

    @Override
    void closing(String reason) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
    }

    @Override
    String describe() {
        return "listener " + listener.address();
    }

    private void handshake(Frame.Hello hello) {
        if (hello.minVersion() > FrameCodec.VERSION || hello.maxVersion() < FrameCodec.VERSION) {
            fail("unsupported protocol version(s) " + hello.minVersion() + ".." + hello.maxVersion()
                    + "; this listener speaks " + FrameCodec.VERSION);
            return;
        }
        TcpToken token = settings.token();
        if (token != null) {
            try {
                String issuer = token.verify(hello.token());
                log.debug("{}: {} authenticated as {}", describe(), ctx.channel().remoteAddress(), issuer);
            } catch (IllegalArgumentException e) {
                fail("invalid token: " + e.getMessage());
                return;
            }
        }
        open = true;
        handshakeTimer.cancel(false);
        frameLimit(settings.maxFrameSize());
        int idleMillis = (int) Math.min(Integer.MAX_VALUE, settings.idleTimeout().toMillis());
        write(new Frame.HelloOk(FrameCodec.VERSION, settings.maxFrameSize(), idleMillis));
    }

    private void receive(Frame.Batch batch) {
        pause();
        CompletionStage<ReceiveAnswer> stage;
        try {
            stage = receiver.receive(batch.envelopes());
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new IllegalStateException("the receiver returned no stage"));
            }
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((answer, error) -> {
            try {
                ctx.executor().execute(() -> answered(batch.id(), answer, error));
            } catch (RejectedExecutionException e) {
                log.debug("{}: answer to batch {} dropped, the transport is closed", describe(), batch.id());
            }
        });
    }

    private void answered(long batchId, ReceiveAnswer answer, Throwable error) {
        if (stopped()) {
            log.debug("{}: answer to batch {} dropped, the connection closed first", describe(), batchId);
            return;
        }
        ReceiveAnswer sent = error != null ? ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, message(error))
                : answer != null ? answer : ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, "the receiver answered null");
        write(new Frame.Answer(batchId, sent));
        resume();
    }

    private static String message(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
    }
}
