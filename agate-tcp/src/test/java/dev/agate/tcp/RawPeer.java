package dev.agate.tcp;

import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A hand-written peer on a plain socket that speaks the wire protocol from docs/wire-protocol.md byte by
 * byte, independently of the transport's own codec, so the tests also check the document.
 */
final class RawPeer implements AutoCloseable {
    static final byte HELLO = 0x01;
    static final byte HELLO_OK = 0x02;
    static final byte REFUSED = 0x03;
    static final byte BATCH = 0x10;
    static final byte ANSWER = 0x11;

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;

    RawPeer(URI address) throws IOException {
        socket = new Socket(address.getHost(), address.getPort());
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** A received frame: its type and payload. */
    record RawFrame(byte type, byte[] payload) {
        DataInputStream data() {
            return new DataInputStream(new java.io.ByteArrayInputStream(payload));
        }

        String refusedReason() throws IOException {
            DataInputStream d = data();
            byte[] text = new byte[d.readInt()];
            d.readFully(text);
            return new String(text, StandardCharsets.UTF_8);
        }
    }

    static byte[] frame(byte type, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeInt(1 + payload.length);
        data.writeByte(type);
        data.write(payload);
        return bytes.toByteArray();
    }

    static byte[] hello(String token) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.write("AGATE".getBytes(StandardCharsets.US_ASCII));
        data.writeShort(1);
        data.writeShort(1);
        data.writeInt(1 << 20);
        byte[] text = token.getBytes(StandardCharsets.UTF_8);
        data.writeInt(text.length);
        data.write(text);
        return frame(HELLO, bytes.toByteArray());
    }

    static byte[] batch(long id, List<byte[]> encodedEnvelopes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeLong(id);
        data.writeInt(encodedEnvelopes.size());
        for (byte[] envelope : encodedEnvelopes) {
            data.writeInt(envelope.length);
            data.write(envelope);
        }
        return frame(BATCH, bytes.toByteArray());
    }

    static byte[] batchOf(long id, List<Envelope> envelopes) throws IOException {
        return batch(id, envelopes.stream().map(EnvelopeCodec::encode).toList());
    }

    /** Sends HELLO and expects HELLO_OK. */
    RawPeer handshake() throws IOException {
        write(hello(""));
        RawFrame ok = read();
        if (ok.type() != HELLO_OK) {
            throw new IOException("expected HELLO_OK but got type " + ok.type() + (ok.type() == REFUSED ? ": " + ok.refusedReason() : ""));
        }
        return this;
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    RawFrame read() throws IOException {
        int length = in.readInt();
        byte type = in.readByte();
        byte[] payload = new byte[length - 1];
        in.readFully(payload);
        return new RawFrame(type, payload);
    }

    /** The answer to a batch: id, status ordinal and reason. */
    record RawAnswer(long id, int status, String reason) {
    }

    RawAnswer readAnswer() throws IOException {
        RawFrame frame = read();
        if (frame.type() != ANSWER) {
            throw new IOException("expected ANSWER but got type " + frame.type());
        }
        DataInputStream d = frame.data();
        long id = d.readLong();
        int status = d.readUnsignedByte();
        byte[] reason = new byte[d.readInt()];
        d.readFully(reason);
        return new RawAnswer(id, status, new String(reason, StandardCharsets.UTF_8));
    }

    /**
     * Reads until the listener closes the connection (within the socket timeout) and returns the reason of
     * a REFUSED frame on the way, or "" when it closed without one.
     */
    String awaitClosed() throws IOException {
        String reason = "";
        try {
            while (true) {
                RawFrame frame = read();
                if (frame.type() == REFUSED) {
                    reason = frame.refusedReason();
                }
            }
        } catch (java.io.EOFException | java.net.SocketException e) {
            return reason;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the listener did not close the connection within " + socket.getSoTimeout() + " ms", e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
