package dev.agate.jdbc;

import dev.agate.spi.MessageStore;
import dev.agate.spi.MessageStoreProvider;
import java.nio.file.Path;

/**
 * The store a host uses when it has durable endpoints and was given none: an SQLite file. The file is
 * the system property {@code agate.sqlite.file}, else the environment variable {@code AGATE_SQLITE_FILE},
 * else {@code agate-data/SERVICE.db} under the working directory. The store logs the path when it starts.
 */
public final class SqliteStoreProvider implements MessageStoreProvider {

    @Override
    public MessageStore defaultStore(String serviceName) {
        return JdbcMessageStore.builder("jdbc:sqlite:" + file(serviceName)).build();
    }

    /** The embedded default's file for {@code serviceName}, as described above; absolute. */
    public static Path file(String serviceName) {
        String configured = System.getProperty("agate.sqlite.file", System.getenv("AGATE_SQLITE_FILE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        String safeName = serviceName.replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of("agate-data", safeName + ".db").toAbsolutePath();
    }
}
