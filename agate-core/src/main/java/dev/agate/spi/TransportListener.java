package dev.agate.spi;

import java.net.URI;

/** A listener a {@link Transport} opened. Thread-safe. */
public interface TransportListener extends AutoCloseable {

    /** Where it actually listens: the configured URI with the bound port (useful after asking for port 0). */
    URI address();

    /**
     * Why it receives nothing now, for {@link dev.agate.AgateHost#status()}: its broker connection is down
     * and being retried, its consumer was cancelled, say; null while it receives (the default, for
     * transports whose listeners cannot be in such a state). Cheap and thread-safe.
     */
    default String problem() {
        return null;
    }

    /**
     * Stops accepting connections and closes the open ones; a batch whose answer was not written yet is
     * not acknowledged, so its sender sends it again. Idempotent.
     */
    @Override
    void close();
}
