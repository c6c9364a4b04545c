package dev.agate.tcp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Cuts the bytes of one connection into frames: a 4-byte big-endian length, then that many bytes (type
 * and payload). A declared length is checked against the current limit as soon as its 4 bytes are in,
 * before anything is buffered for it, so a connection holds at most one frame of the limit plus one read.
 *
 * <p>Not thread-safe: used by one connection's handler on its event loop. The handler decides when to
 * take the next frame, which is how a paused connection keeps unread frames here instead of decoding them.
 */
final class FrameReader {
    private final ByteBufAllocator alloc;
    private ByteBuf buffered;
    private int limit;

    FrameReader(ByteBufAllocator alloc, int limit) {
        this.alloc = alloc;
        this.limit = limit;
    }

    /** The largest length a frame may declare from now on. */
    void limit(int limit) {
        this.limit = limit;
    }

    /** Takes ownership of {@code bytes}. */
    void add(ByteBuf bytes) {
        buffered = buffered == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, buffered, bytes);
    }

    /**
     * The next whole frame (type byte and payload; the caller releases it), or null when it has not fully
     * arrived yet.
     *
     * @throws ProtocolException when the declared length is not positive or is over the limit
     */
    ByteBuf next() {
        if (buffered == null || buffered.readableBytes() < 4) {
            return null;
        }
        int length = buffered.getInt(buffered.readerIndex());
        if (length < 1 || length > limit) {
            throw new ProtocolException("frame length " + length + (length < 1 ? " is not positive" : " is over the limit " + limit)
                    + " (first bytes " + printable(buffered) + ")");
        }
        if (buffered.readableBytes() < 4 + length) {
            return null;
        }
        buffered.skipBytes(4);
        ByteBuf frame = buffered.readRetainedSlice(length);
        if (!buffered.isReadable()) {
            release();
        }
        return frame;
    }

    /** True when some bytes of a frame that is not complete yet are buffered. */
    boolean hasPartialFrame() {
        return buffered != null && buffered.isReadable();
    }

    void release() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    /** The first few bytes as text, so that a log line shows what an HTTP or TLS client sent. */
    private static String printable(ByteBuf in) {
        StringBuilder text = new StringBuilder("'");
        for (byte b : ByteBufUtil.getBytes(in, in.readerIndex(), Math.min(8, in.readableBytes()))) {
            text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
        }
        return text.append('\'').toString();
    }
}
