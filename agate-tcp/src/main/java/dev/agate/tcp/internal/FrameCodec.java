package dev.agate.tcp.internal;

import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.ReceiveAnswer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes and reads the frames of docs/wire-protocol.md. Stateless and thread-safe.
 *
 * <p>{@link #decode} takes one whole frame (type byte and payload, the length prefix already consumed by
 * {@link FrameReader}) and trusts nothing: every count and length is checked against the bytes actually
 * left before anything is allocated for it, a frame must be consumed exactly, and any inconsistency is a
 * {@link ProtocolException}. An envelope that {@link EnvelopeCodec} refuses inside a well-formed BATCH is
 * not a protocol error: it decodes to {@link Frame.UndecodableBatch}, so the connection can be kept.
 */
final class FrameCodec {
    static final byte HELLO = 0x01;
    static final byte HELLO_OK = 0x02;
    static final byte REFUSED = 0x03;
    static final byte BATCH = 0x10;
    static final byte ANSWER = 0x11;
    static final byte PING = 0x20;
    static final byte PONG = 0x21;

    static final byte[] MAGIC = "AGATE".getBytes(StandardCharsets.US_ASCII);
    /** The protocol versions this implementation speaks. */
    static final int VERSION = 1;
    /** Bytes of a BATCH frame around its envelopes: type, batch id, count. */
    static final int BATCH_OVERHEAD = 1 + 8 + 4;
    /** Reasons are cut to this many chars so that REFUSED and ANSWER frames stay small. */
    static final int MAX_REASON_CHARS = 1000;

    private static final ReceiveAnswer.Status[] STATUSES = ReceiveAnswer.Status.values();

    private FrameCodec() {
    }

    /** The whole frame, length prefix included. */
    static ByteBuf encode(Frame frame) {
        if (frame instanceof Frame.Batch b) {
            return encodeBatch(b.id(), b.envelopes(), Integer.MAX_VALUE);
        }
        ByteBuf out = Unpooled.buffer(64);
        out.writeInt(0);
        if (frame instanceof Frame.Hello h) {
            out.writeByte(HELLO).writeBytes(MAGIC).writeShort(h.minVersion()).writeShort(h.maxVersion()).writeInt(h.maxFrameSize());
            writeString(out, h.token());
        } else if (frame instanceof Frame.HelloOk ok) {
            out.writeByte(HELLO_OK).writeShort(ok.version()).writeInt(ok.maxFrameSize()).writeInt(ok.idleTimeoutMillis());
        } else if (frame instanceof Frame.Refused r) {
            writeString(out.writeByte(REFUSED), r.reason());
        } else if (frame instanceof Frame.Answer a) {
            out.writeByte(ANSWER).writeLong(a.id()).writeByte(a.answer().status().ordinal());
            writeString(out, a.answer().reason());
        } else if (frame instanceof Frame.Ping p) {
            out.writeByte(PING).writeLong(p.id());
        } else if (frame instanceof Frame.Pong p) {
            out.writeByte(PONG).writeLong(p.id());
        } else {
            throw new IllegalArgumentException("not a frame that is sent: " + frame);
        }
        return out.setInt(0, out.readableBytes() - 4);
    }

    /**
     * A BATCH frame, length prefix included, wrapping the encoded envelopes without copying them.
     *
     * @throws IllegalArgumentException when an envelope has no body, or the frame would be longer than {@code maxFrameSize}
     */
    static ByteBuf encodeBatch(long id, List<Envelope> envelopes, int maxFrameSize) {
        ByteBuf[] parts = new ByteBuf[1 + envelopes.size()];
        long length = BATCH_OVERHEAD;
        for (int i = 0; i < envelopes.size(); i++) {
            byte[] bytes = EnvelopeCodec.encode(envelopes.get(i));
            length += 4 + bytes.length;
            parts[i + 1] = Unpooled.wrappedBuffer(Unpooled.copyInt(bytes.length), Unpooled.wrappedBuffer(bytes));
        }
        if (length > maxFrameSize) {
            throw new IllegalArgumentException("a batch of " + envelopes.size() + " envelope(s) encodes to a frame of "
                    + length + " bytes, over the max frame size " + maxFrameSize + "; split it");
        }
        parts[0] = Unpooled.buffer(4 + BATCH_OVERHEAD).writeInt((int) length).writeByte(BATCH).writeLong(id).writeInt(envelopes.size());
        return Unpooled.wrappedBuffer(parts);
    }

    /** Reads one frame: its type byte and payload. */
    static Frame decode(ByteBuf frame) {
        if (!frame.isReadable()) {
            throw new ProtocolException("empty frame (no type byte)");
        }
        byte type = frame.readByte();
        Frame decoded = switch (type) {
            case HELLO -> decodeHello(frame);
            case HELLO_OK -> new Frame.HelloOk(readUnsignedShort(frame, "version"), readInt(frame, "max frame size"),
                    readInt(frame, "idle timeout"));
            case REFUSED -> new Frame.Refused(readString(frame, "reason"));
            case BATCH -> decodeBatch(frame);
            case ANSWER -> decodeAnswer(frame);
            case PING -> new Frame.Ping(readLong(frame, "ping id"));
            case PONG -> new Frame.Pong(readLong(frame, "pong id"));
            default -> throw new ProtocolException("unknown frame type 0x" + Integer.toHexString(type & 0xff));
        };
        if (frame.isReadable()) {
            throw new ProtocolException(frame.readableBytes() + " unexpected byte(s) at the end of a " + name(type) + " frame");
        }
        return decoded;
    }

    static String name(byte type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case HELLO_OK -> "HELLO_OK";
            case REFUSED -> "REFUSED";
            case BATCH -> "BATCH";
            case ANSWER -> "ANSWER";
            case PING -> "PING";
            case PONG -> "PONG";
            default -> "0x" + Integer.toHexString(type & 0xff);
        };
    }

    private static Frame decodeHello(ByteBuf in) {
        byte[] magic = new byte[MAGIC.length];
        need(in, magic.length, "magic");
        in.readBytes(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ProtocolException("bad magic in HELLO (not an Agate peer?)");
        }
        int min = readUnsignedShort(in, "min version");
        int max = readUnsignedShort(in, "max version");
        if (min > max) {
            throw new ProtocolException("HELLO min version " + min + " above its max version " + max);
        }
        return new Frame.Hello(min, max, readInt(in, "max frame size"), readString(in, "token"));
    }

    private static Frame decodeBatch(ByteBuf in) {
        long id = readLong(in, "batch id");
        int count = readInt(in, "envelope count");
        if (count < 0 || (long) count * 4 > in.readableBytes()) {
            throw new ProtocolException("BATCH " + id + " declares " + count + " envelope(s) but only "
                    + in.readableBytes() + " byte(s) follow");
        }
        List<byte[]> encoded = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = readInt(in, "envelope length");
            if (length < 0 || length > in.readableBytes()) {
                throw new ProtocolException("envelope " + i + " of BATCH " + id + " declares " + length
                        + " byte(s) but only " + in.readableBytes() + " follow");
            }
            byte[] bytes = new byte[length];
            in.readBytes(bytes);
            encoded.add(bytes);
        }
        if (in.isReadable()) {
            throw new ProtocolException(in.readableBytes() + " unexpected byte(s) after the envelopes of BATCH " + id);
        }
        return decodeEnvelopes(id, encoded);
    }

    private static Frame decodeEnvelopes(long id, List<byte[]> encoded) {
        List<Envelope> envelopes = new ArrayList<>(encoded.size());
        for (int i = 0; i < encoded.size(); i++) {
            try {
                envelopes.add(EnvelopeCodec.decode(encoded.get(i)));
            } catch (RuntimeException e) {
                return new Frame.UndecodableBatch(id, "envelope " + i + " of " + encoded.size() + " cannot be decoded: " + e.getMessage());
            }
        }
        return new Frame.Batch(id, List.copyOf(envelopes));
    }

    private static Frame decodeAnswer(ByteBuf in) {
        long id = readLong(in, "batch id");
        need(in, 1, "status");
        int status = in.readUnsignedByte();
        if (status >= STATUSES.length) {
            throw new ProtocolException("unknown answer status " + status + " for batch " + id);
        }
        return new Frame.Answer(id, ReceiveAnswer.of(STATUSES[status], readString(in, "reason")));
    }

    private static void writeString(ByteBuf out, String text) {
        String cut = text.length() > MAX_REASON_CHARS ? text.substring(0, MAX_REASON_CHARS) + "..." : text;
        byte[] bytes = cut.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length).writeBytes(bytes);
    }

    private static String readString(ByteBuf in, String what) {
        int length = readInt(in, what + " length");
        if (length < 0 || length > in.readableBytes()) {
            throw new ProtocolException(what + " declares " + length + " byte(s) but only " + in.readableBytes() + " follow");
        }
        String text = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return text;
    }

    private static int readUnsignedShort(ByteBuf in, String what) {
        need(in, 2, what);
        return in.readUnsignedShort();
    }

    private static int readInt(ByteBuf in, String what) {
        need(in, 4, what);
        return in.readInt();
    }

    private static long readLong(ByteBuf in, String what) {
        need(in, 8, what);
        return in.readLong();
    }

    private static void need(ByteBuf in, int bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw new ProtocolException("frame ends inside the " + what + " (" + in.readableBytes() + " of " + bytes + " byte(s))");
        }
    }
}
