package dev.agate.spi;

/**
 * Found through {@link java.util.ServiceLoader}: makes the store a host uses when it has durable
 * endpoints and none was configured. {@code agate-jdbc} provides one that keeps an embedded SQLite file.
 */
public interface MessageStoreProvider {

    /** A store for {@code serviceName}, not started. */
    MessageStore defaultStore(String serviceName);
}
