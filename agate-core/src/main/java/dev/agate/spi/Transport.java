package dev.agate.spi;

import java.net.URI;

/**
 * The code behind one endpoint URI scheme ({@code tcp}, say): it opens listeners that receive batches of
 * envelopes and senders that deliver batches to a destination. The host owns what it opens and closes it.
 * A transport moves encoded envelopes and the receiver's answers; the host decides what "received" means
 * (persisted, for a durable listener) and when a sender retries, latches or gives up.
 *
 * <p>Found through {@link java.util.ServiceLoader} with its default settings, or configured and registered
 * with {@code AgateHost.builder().transport(...)}. Implementations are thread-safe.
 */
public interface Transport extends AutoCloseable {

    /** The URI scheme it serves, lower case: {@code "tcp"}. */
    String scheme();

    /**
     * Checks an endpoint URI of this scheme when the host is built, so a typo fails at start-up.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code uri}
     */
    void checkUri(URI uri);

    /**
     * Starts listening at {@code uri}; batches that arrive are handed to {@code receiver}. Returns once
     * the listener accepts connections.
     *
     * @throws dev.agate.AgateException when it cannot listen (the port is taken, say)
     */
    TransportListener listen(URI uri, BatchReceiver receiver);

    /**
     * A sender to {@code destination}. Connecting may happen lazily, on the first batch; a sender that
     * cannot connect fails its batches, it does not throw here.
     */
    TransportSender sender(URI destination);

    /** Stops every listener and sender it opened. Idempotent. */
    @Override
    void close();
}
