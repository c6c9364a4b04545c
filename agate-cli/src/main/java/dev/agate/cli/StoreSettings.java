package dev.agate.cli;

import dev.agate.AgateException;
import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.SchemaNames;
import java.time.Duration;

/**
 * Which store a command works on, and how it is opened: checked against the schema for everything but
 * the schema commands, so a missing or outdated schema is reported as such and never created by accident.
 *
 * @param url            the JDBC URL, as given
 * @param names          the schema and table prefix
 * @param connectTimeout how long to wait for a connection
 */
record StoreSettings(String url, SchemaNames names, Duration connectTimeout) {

    /**
     * A started store whose tables exist at this build's version. The caller closes it.
     *
     * @throws CommandException for a URL no store handles
     * @throws AgateException   when the database cannot be reached or its schema is missing or different
     */
    JdbcMessageStore openChecked() {
        return open(AgateSchema.Mode.VALIDATE); // which does not create a missing SQLite file
    }

    /** A started store that neither creates nor checks the schema: for apply and rebuild. The caller closes it. */
    JdbcMessageStore openForSchemaChange() {
        return open(AgateSchema.Mode.NONE);
    }

    private JdbcMessageStore open(AgateSchema.Mode mode) {
        JdbcMessageStore store = build(mode);
        try {
            store.start();
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private JdbcMessageStore build(AgateSchema.Mode mode) {
        try {
            return JdbcMessageStore.builder(url).schemaNames(names).schemaMode(mode)
                    .connectionTimeout(connectTimeout).maximumPoolSize(2).build();
        } catch (IllegalArgumentException e) {
            throw CommandException.usage(e.getMessage(), e);
        }
    }
}
