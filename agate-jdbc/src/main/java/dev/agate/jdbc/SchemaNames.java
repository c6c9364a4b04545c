package dev.agate.jdbc;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where Agate's tables live: an optional database schema and a table-name prefix. Both are checked as
 * plain SQL identifiers (letters, digits, underscores), because they are written into DDL and queries.
 * Immutable.
 *
 * @param schema the database schema (PostgreSQL) or database (MariaDB), or null for the connection's default;
 *               SQLite has no schemas and refuses one
 * @param prefix the table-name prefix, default {@code agate_}
 */
public record SchemaNames(String schema, String prefix) {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,20}|");

    public SchemaNames {
        Objects.requireNonNull(prefix, "prefix");
        if (schema != null && !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema '" + schema + "' must be letters, digits and underscores, starting with a letter or underscore");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("table prefix '" + prefix + "' must be letters, digits and underscores, starting with a letter or underscore");
        }
    }

    /** No schema, prefix {@code agate_}. */
    public static SchemaNames defaults() {
        return new SchemaNames(null, "agate_");
    }

    public String incoming() {
        return qualify("incoming_envelopes");
    }

    public String outgoing() {
        return qualify("outgoing_envelopes");
    }

    public String deadLetters() {
        return qualify("dead_letters");
    }

    /** The audit of operators' actions on dead letters and scheduled envelopes. */
    public String audit() {
        return qualify("audit");
    }

    public String nodes() {
        return qualify("nodes");
    }

    /** One row: the leader's lease (which node holds it, its term, when it runs out). */
    public String leader() {
        return qualify("leader");
    }

    /** One row: the last node id handed out, so that no id is handed out twice. */
    public String nodeIds() {
        return qualify("node_ids");
    }

    public String schemaVersion() {
        return qualify("schema_version");
    }

    /** The table name without schema: for index names and catalog look-ups. */
    public String bare(String table) {
        return prefix + table;
    }

    private String qualify(String table) {
        return schema == null ? prefix + table : schema + "." + prefix + table;
    }
}
