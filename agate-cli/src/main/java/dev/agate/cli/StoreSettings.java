package dev.agate.cli;

import dev.agate.AgateException;
import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.SchemaNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

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
     * @throws CommandException for a URL no store handles, or an SQLite file that does not exist
     * @throws AgateException   when the database cannot be reached or its schema is missing or different
     */
    JdbcMessageStore openChecked() {
        requireExistingSqliteFile();
        return open(AgateSchema.Mode.VALIDATE);
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

    /**
     * Opening an SQLite file creates it: a typo in the path would leave an empty database behind and then
     * report missing tables. Only the schema commands may create the file.
     */
    private void requireExistingSqliteFile() {
        String prefix = "jdbc:sqlite:";
        if (!url.toLowerCase(Locale.ROOT).startsWith(prefix)) {
            return;
        }
        String path = url.substring(prefix.length());
        int query = path.indexOf('?');
        path = query < 0 ? path : path.substring(0, query);
        path = path.startsWith("file:") ? path.substring("file:".length()) : path;
        if (!path.isEmpty() && !path.contains(":memory:") && !Files.exists(Path.of(path))) {
            throw CommandException.failure("no SQLite database at " + Path.of(path).toAbsolutePath()
                    + ": create it with `agate schema apply --db " + url + "`");
        }
    }
}
