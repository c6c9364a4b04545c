package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The binary form of a whole envelope, metadata and body: what a message store keeps in its body column
 * and what a transport puts on the wire. Stateless and thread-safe.
 *
 * <p>Layout (big-endian): a version byte ({@value #VERSION}); a presence bitmask (int) for the optional
 * fields; the id (16 bytes); attempts (int); then the strings message type, content type, correlation id,
 * source, destination and reply-to (each: int byte length, then UTF-8, present per the mask except the
 * message type, which is required); causation id (16 bytes); sent, scheduled and deliver-by times (each:
 * long epoch seconds, int nanos); the headers (int count, then name and value as strings); the body (int
 * length, then bytes).
 *
 * <p>{@link #decode} trusts nothing: every declared length and count is checked against the bytes that
 * are actually left before anything is allocated for it, and any inconsistency is an
 * {@link IllegalArgumentException} that says what was wrong and where.
 */
public final class EnvelopeCodec {
    /** The format version written first; a reader refuses versions it does not know. */
    public static final byte VERSION = 1;

    private static final int CONTENT_TYPE = 1;
    private static final int CORRELATION_ID = 1 << 1;
    private static final int SOURCE = 1 << 2;
    private static final int DESTINATION = 1 << 3;
    private static final int REPLY_TO = 1 << 4;
    private static final int CAUSATION_ID = 1 << 5;
    private static final int SENT_AT = 1 << 6;
    private static final int SCHEDULED_TIME = 1 << 7;
    private static final int DELIVER_BY = 1 << 8;
    private static final int KNOWN_FIELDS = (1 << 9) - 1;

    private EnvelopeCodec() {
    }

    /**
     * Encodes {@code envelope}, which must carry its serialized body.
     *
     * @throws IllegalArgumentException when the envelope has no body
     */
    public static byte[] encode(Envelope envelope) {
        if (envelope.body() == null) {
            throw new IllegalArgumentException("envelope " + envelope.id() + " has no serialized body to encode");
        }
        byte[] type = utf8(envelope.messageType());
        byte[] contentType = utf8(envelope.contentType());
        byte[] correlationId = utf8(envelope.correlationId());
        byte[] source = utf8(envelope.source());
        byte[] destination = utf8(envelope.destination() == null ? null : envelope.destination().toString());
        byte[] replyTo = utf8(envelope.replyTo() == null ? null : envelope.replyTo().toString());
        byte[][] headers = new byte[envelope.headers().size() * 2][];
        int i = 0;
        int headerBytes = 0;
        for (Map.Entry<String, String> header : envelope.headers().entrySet()) {
            headers[i] = utf8(header.getKey());
            headers[i + 1] = utf8(header.getValue());
            headerBytes += 8 + headers[i].length + headers[i + 1].length;
            i += 2;
        }
        int mask = (contentType != null ? CONTENT_TYPE : 0) | (correlationId != null ? CORRELATION_ID : 0)
                | (source != null ? SOURCE : 0) | (destination != null ? DESTINATION : 0) | (replyTo != null ? REPLY_TO : 0)
                | (envelope.causationId() != null ? CAUSATION_ID : 0) | (envelope.sentAt() != null ? SENT_AT : 0)
                | (envelope.scheduledTime() != null ? SCHEDULED_TIME : 0) | (envelope.deliverBy() != null ? DELIVER_BY : 0);
        int size = 1 + 4 + 16 + 4 + sized(type) + sized(contentType) + sized(correlationId) + sized(source)
                + sized(destination) + sized(replyTo) + (envelope.causationId() != null ? 16 : 0)
                + 12 * Integer.bitCount(mask & (SENT_AT | SCHEDULED_TIME | DELIVER_BY))
                + 4 + headerBytes + 4 + envelope.body().length;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).putInt(mask);
        putUuid(out, envelope.id());
        out.putInt(envelope.attempts());
        for (byte[] text : new byte[][] {type, contentType, correlationId, source, destination, replyTo}) {
            if (text != null) {
                out.putInt(text.length).put(text);
            }
        }
        if (envelope.causationId() != null) {
            putUuid(out, envelope.causationId());
        }
        for (Instant time : new Instant[] {envelope.sentAt(), envelope.scheduledTime(), envelope.deliverBy()}) {
            if (time != null) {
                out.putLong(time.getEpochSecond()).putInt(time.getNano());
            }
        }
        out.putInt(envelope.headers().size());
        for (byte[] text : headers) {
            out.putInt(text.length).put(text);
        }
        out.putInt(envelope.body().length).put(envelope.body());
        return out.array();
    }

    /**
     * Decodes what {@link #encode} wrote. The envelope has a body and no message object.
     *
     * @throws IllegalArgumentException when the bytes are not a complete, consistent envelope of a known version
     */
    public static Envelope decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown envelope format version " + version + " (this reader knows " + VERSION + ")");
            }
            int mask = in.getInt();
            if ((mask & ~KNOWN_FIELDS) != 0) {
                throw new IllegalArgumentException("unknown optional fields in mask 0x" + Integer.toHexString(mask));
            }
            Envelope.Builder b = Envelope.builder().id(getUuid(in));
            int attempts = in.getInt();
            if (attempts < 0) {
                throw new IllegalArgumentException("negative attempts " + attempts);
            }
            b.attempts(attempts).messageType(requireText(in, "message type"));
            b.contentType(has(mask, CONTENT_TYPE) ? getText(in, "content type") : null);
            b.correlationId(has(mask, CORRELATION_ID) ? getText(in, "correlation id") : null);
            b.source(has(mask, SOURCE) ? getText(in, "source") : null);
            b.destination(has(mask, DESTINATION) ? uri(getText(in, "destination")) : null);
            b.replyTo(has(mask, REPLY_TO) ? uri(getText(in, "reply-to")) : null);
            b.causationId(has(mask, CAUSATION_ID) ? getUuid(in) : null);
            b.sentAt(has(mask, SENT_AT) ? getInstant(in) : null);
            b.scheduledTime(has(mask, SCHEDULED_TIME) ? getInstant(in) : null);
            b.deliverBy(has(mask, DELIVER_BY) ? getInstant(in) : null);
            int headers = checkedLength(in, "header count", 8);
            for (int h = 0; h < headers; h++) {
                b.header(getText(in, "header name"), getText(in, "header value"));
            }
            b.body(getBytes(in, "body"));
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " unexpected byte(s) after the body");
            }
            return b.build();
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated envelope: " + bytes.length + " byte(s) end inside a field", e);
        }
    }

    private static boolean has(int mask, int field) {
        return (mask & field) != 0;
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static int sized(byte[] text) {
        return text == null ? 0 : 4 + text.length;
    }

    private static void putUuid(ByteBuffer out, UUID id) {
        out.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer in) {
        return new UUID(in.getLong(), in.getLong());
    }

    private static Instant getInstant(ByteBuffer in) {
        long seconds = in.getLong();
        int nanos = in.getInt();
        if (nanos < 0 || nanos > 999_999_999 || seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
            throw new IllegalArgumentException("invalid time " + seconds + "s " + nanos + "ns at offset " + in.position());
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** Reads a length or count and checks that at least {@code unit} bytes per item are left for it. */
    private static int checkedLength(ByteBuffer in, String what, int unit) {
        int length = in.getInt();
        if (length < 0 || (long) length * unit > in.remaining()) {
            throw new IllegalArgumentException(what + " declares " + length + " but only " + in.remaining()
                    + " byte(s) are left at offset " + in.position());
        }
        return length;
    }

    private static byte[] getBytes(ByteBuffer in, String what) {
        byte[] bytes = new byte[checkedLength(in, what + " length", 1)];
        in.get(bytes);
        return bytes;
    }

    private static String getText(ByteBuffer in, String what) {
        return new String(getBytes(in, what), StandardCharsets.UTF_8);
    }

    private static String requireText(ByteBuffer in, String what) {
        String text = getText(in, what);
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty " + what);
        }
        return text;
    }

    private static URI uri(String text) {
        try {
            return new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("invalid URI '" + text + "': " + e.getMessage(), e);
        }
    }
}
