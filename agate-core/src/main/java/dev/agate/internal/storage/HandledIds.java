package dev.agate.internal.storage;

import dev.agate.Envelope;
import java.net.URI;

/**
 * Which handled envelopes keep their id as a deduplication record, and which leave no trace.
 *
 * <p>An id is kept (the row stays, marked handled, until the deduplication horizon) when the envelope could
 * come again: it was received from a sender, which sends again what it is not sure was acknowledged, or it
 * was sent with an id of the application's own ({@code DeliveryOptions.id}), so that a retried send is a
 * duplicate. An envelope the runtime addressed to a local queue with an id it made itself was written once,
 * in its sender's transaction, and nothing can bring that id back: its handling ends with
 * {@link dev.agate.spi.Inbox#deleteHandled}, and a store deletes its row where that costs less than the mark
 * (the JDBC store on PostgreSQL) and marks it elsewhere.
 *
 * <p>Such envelopes carry {@link #HEADER}, which only the runtime sets: a send drops one passed in its headers,
 * and a listener removes it from what it receives, so no sender can make a node forget an id that needs a record.
 */
public final class HandledIds {
    /** Set on an envelope addressed to a local queue with an id the runtime made. */
    public static final String HEADER = "agate-local-id";

    private HandledIds() {
    }

    /** Whether a new envelope to {@code destination} gets {@link #HEADER}: its id is the runtime's and it stays in this service. */
    public static boolean madeHere(boolean idGiven, URI destination) {
        return !idGiven && destination != null && "local".equals(destination.getScheme());
    }

    /** Whether {@code envelope}, once handled, must keep its id until the deduplication horizon. */
    public static boolean recordNeeded(Envelope envelope) {
        return !envelope.headers().containsKey(HEADER);
    }

    /** {@code envelope} as a listener takes it in: without {@link #HEADER}, which only this runtime may set. */
    public static Envelope received(Envelope envelope) {
        return recordNeeded(envelope) ? envelope : envelope.toBuilder().removeHeader(HEADER).build();
    }
}
