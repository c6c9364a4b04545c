package dev.agate.cli;

import dev.agate.jdbc.AgateSchema;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code agate schema print|apply|rebuild}: Agate's tables as SQL, created or upgraded, or dropped and recreated. */
@Command(name = "schema", description = "Print, apply or rebuild Agate's tables.")
final class SchemaCommand implements Runnable {
    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandException.usage("name a schema command: print, apply or rebuild (see: agate schema --help)");
    }

    @Command(name = "print", description = "Print the SQL that creates the schema, for a DBA or a migration tool. Needs no database.")
    int print(@Option(names = "--dialect", required = true, paramLabel = "sqlite|postgres|mariadb",
            description = "The database the SQL is for.") String dialect) {
        AgateSchema schema;
        try {
            schema = AgateSchema.forDialect(dialect, root.schemaNames());
        } catch (IllegalArgumentException e) {
            throw CommandException.usage(e.getMessage(), e);
        }
        out().print(schema.print());
        out().flush();
        return 0;
    }

    @Command(name = "apply", description = "Create the tables, or upgrade them to this build's version. Safe to repeat, "
            + "and while nodes run. Creates an SQLite file that does not exist.")
    int apply() {
        try (JdbcMessageStore store = root.storeSettings().openForSchemaChange()) {
            int before = store.schema().apply(store.dataSource());
            int now = AgateSchema.currentVersion();
            String what = before == now ? "already at version " + now
                    : before == 0 ? "created at version " + now
                    : "upgraded from version " + before + " to " + now;
            out().println("Agate schema on " + store.description() + ": " + what);
            return 0;
        }
    }

    @Command(name = "rebuild", description = "Drop every Agate table, with all envelopes, dead letters and nodes, and "
            + "create them again. For tests and fresh starts; refuses to run without --yes.")
    int rebuild(@Option(names = "--yes", description = "Confirm that every Agate row may be deleted.") boolean yes) {
        StoreSettings settings = root.storeSettings();
        if (!yes) {
            throw CommandException.usage("schema rebuild deletes every envelope, dead letter and node in the Agate tables"
                    + " at " + settings.url().replaceFirst("\\?.*", "") + "; add --yes to do it");
        }
        try (JdbcMessageStore store = settings.openForSchemaChange()) {
            store.schema().rebuild(store.dataSource());
            out().println("Agate schema on " + store.description() + ": rebuilt empty at version " + AgateSchema.currentVersion());
            return 0;
        }
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
