package dev.agate;

/**
 * A host could not start because its message store did not start: the message says why first (the
 * store's own error, or that it did not answer), then which store and how long the host tried. Thrown by
 * {@link AgateHost#start()} after the store start timeout ({@link Durability#storeStartTimeout()}), or at
 * once when retrying cannot help ({@link dev.agate.spi.StoreSetupException}: a refused login). The host is
 * not started and its store is closed.
 */
public class MessageStoreStartException extends AgateException {
    private static final long serialVersionUID = 1L;

    public MessageStoreStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
