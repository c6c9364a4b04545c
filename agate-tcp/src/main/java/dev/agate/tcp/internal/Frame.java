package dev.agate.tcp.internal;

import dev.agate.Envelope;
import dev.agate.spi.ReceiveAnswer;
import java.util.List;

/** One decoded frame of the wire protocol (docs/wire-protocol.md); {@link FrameCodec} reads and writes them. */
sealed interface Frame {

    /** Opens a connection: the client's protocol versions, its frame limit and an optional token ("" for none). */
    record Hello(int minVersion, int maxVersion, int maxFrameSize, String token) implements Frame {
    }

    /**
     * The listener accepted the handshake and speaks {@code version}; it takes batches up to its
     * {@code maxFrameSize} and closes connections idle for {@code idleTimeoutMillis} (0: never).
     */
    record HelloOk(int version, int maxFrameSize, int idleTimeoutMillis) implements Frame {
    }

    /** The peer is closing the connection, for {@code reason}. */
    record Refused(String reason) implements Frame {
    }

    record Batch(long id, List<Envelope> envelopes) implements Frame {
    }

    /** A batch whose framing is intact but one of whose envelopes could not be decoded. */
    record UndecodableBatch(long id, String reason) implements Frame {
    }

    record Answer(long id, ReceiveAnswer answer) implements Frame {
    }

    record Ping(long id) implements Frame {
    }

    record Pong(long id) implements Frame {
    }
}
