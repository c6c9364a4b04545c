package dev.agate.tcp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reading half shared by both ends of a connection: frames in, one at a time, with pausing and a
 * frame timeout.
 *
 * <p>Design: every method runs on the connection's event loop, so the fields need no lock. While
 * {@link #pause() paused} the socket is not read (auto-read off) and frames already buffered stay in the
 * {@link FrameReader} undecoded; {@link #resume()} takes them first. A frame whose first byte has arrived
 * must be complete within the frame timeout (a peer that trickles bytes is cut off); the timer runs only
 * while not paused, because then a slow frame is the peer's doing. Any protocol violation logs one WARN
 * line, sends REFUSED with the reason where the stream is still ours to write, and closes this
 * connection only: after that, input is discarded.
 */
abstract class FramedHandler extends ChannelInboundHandlerAdapter {
    /** Frames before the handshake is done are small: a peer that is not an Agate peer is found out early. */
    static final int HANDSHAKE_LIMIT = 8192;
    private static final Logger log = LoggerFactory.getLogger(FramedHandler.class);

    private final Duration frameTimeout;
    ChannelHandlerContext ctx;
    private FrameReader reader;
    private boolean paused;
    /** Set while what this end wrote is not going out (the peer does not read): reading waits too. */
    private boolean writesBackedUp;
    private boolean stopped;
    private long framesRead;
    private ScheduledFuture<?> frameTimer;

    FramedHandler(Duration frameTimeout) {
        this.frameTimeout = frameTimeout;
    }

    /** Handles one frame; may {@link #pause()} or {@link #fail(String)}. */
    abstract void onFrame(Frame frame);

    /** Called once when this connection is given up for {@code reason} (before it closes). */
    abstract void closing(String reason);

    /** Names this end for log lines: "listener tcp://0.0.0.0:2201" or "sender to tcp://host:2201". */
    abstract String describe();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.reader = new FrameReader(ctx.alloc(), HANDSHAKE_LIMIT);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (stopped || !(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        reader.add(bytes);
        drain();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!stopped) {
            stop();
            closing("connection closed by " + (ctx.channel().remoteAddress() == null ? "peer" : "peer " + ctx.channel().remoteAddress()));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (stopped) {
            return;
        }
        if (root instanceof NotSslRecordException) {
            giveUp("not a TLS record (a plain-text peer on a TLS connection?)", false);
        } else if (root instanceof SSLException) {
            giveUp("TLS failed: " + root.getMessage(), false);
        } else if (root instanceof IOException) {
            log.debug("{}: connection with {} broke: {}", describe(), ctx.channel().remoteAddress(), root.toString());
            stop();
            closing("connection broke: " + root.getMessage());
            ctx.close();
        } else {
            log.debug("{}: unexpected failure on connection with {}", describe(), ctx.channel().remoteAddress(), root);
            giveUp("unexpected failure: " + root, true);
        }
    }

    /** Gives up on this connection for a protocol violation: one WARN line, REFUSED with the reason, close. */
    void fail(String reason) {
        giveUp(reason, true);
    }

    /**
     * Writes a frame. When the connection's outbound buffer passes its high-water mark (a peer that sends
     * but does not read, a flood of PINGs, say), this end reads nothing more until the buffer drains, so
     * what it holds for that peer stays bounded.
     */
    void write(Frame frame) {
        ctx.writeAndFlush(FrameCodec.encode(frame), ctx.voidPromise());
        if (!ctx.channel().isWritable() && !writesBackedUp) {
            writesBackedUp = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (writesBackedUp && ctx.channel().isWritable()) {
            writesBackedUp = false;
            readAgain();
        }
        super.channelWritabilityChanged(ctx);
    }

    /** Raises the frame limit once the handshake is done. */
    void frameLimit(int limit) {
        reader.limit(limit);
    }

    boolean paused() {
        return paused;
    }

    boolean stopped() {
        return stopped;
    }

    /** Reads nothing more from this connection until {@link #resume()}. */
    void pause() {
        paused = true;
        ctx.channel().config().setAutoRead(false);
        cancelFrameTimer();
    }

    void resume() {
        if (!paused || stopped) {
            return;
        }
        paused = false;
        readAgain();
    }

    private void readAgain() {
        if (paused || stopped || writesBackedUp) {
            return;
        }
        drain();
        if (!paused && !stopped && !writesBackedUp) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void giveUp(String reason, boolean refuse) {
        if (stopped) {
            return;
        }
        log.warn("{}: closing connection with {}: {}", describe(), ctx.channel().remoteAddress(), reason);
        stop();
        closing(reason);
        if (refuse && ctx.channel().isActive()) {
            ctx.writeAndFlush(FrameCodec.encode(new Frame.Refused(reason))).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private void drain() {
        while (!paused && !stopped && !writesBackedUp) {
            ByteBuf bytes;
            Frame frame;
            try {
                bytes = reader.next();
                if (bytes == null) {
                    break;
                }
                framesRead++;
                try {
                    frame = FrameCodec.decode(bytes);
                } finally {
                    bytes.release();
                }
            } catch (ProtocolException e) {
                fail(e.getMessage());
                return;
            }
            onFrame(frame);
        }
        armFrameTimer();
    }

    private void armFrameTimer() {
        if (paused || stopped || !reader.hasPartialFrame()) {
            cancelFrameTimer();
            return;
        }
        if (frameTimer != null) {
            return;
        }
        long frame = framesRead;
        frameTimer = ctx.executor().schedule(() -> {
            frameTimer = null;
            if (!paused && !stopped && framesRead == frame && reader.hasPartialFrame()) {
                fail("a frame was not complete within the frame timeout " + frameTimeout);
            } else {
                armFrameTimer();
            }
        }, frameTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelFrameTimer() {
        if (frameTimer != null) {
            frameTimer.cancel(false);
            frameTimer = null;
        }
    }

    private void stop() {
        stopped = true;
        cancelFrameTimer();
        if (reader != null) {
            reader.release();
        }
    }
}
