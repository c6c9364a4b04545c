package dev.agate.spi;

import java.net.URI;

/** A listener a {@link Transport} opened. Thread-safe. */
public interface TransportListener extends AutoCloseable {

    /** Where it actually listens: the configured URI with the bound port (useful after asking for port 0). */
    URI address();

    /**
     * Stops accepting connections and closes the open ones; a batch whose answer was not written yet is
     * not acknowledged, so its sender sends it again. Idempotent.
     */
    @Override
    void close();
}
