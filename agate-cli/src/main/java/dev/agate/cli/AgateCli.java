package dev.agate.cli;

import dev.agate.jdbc.SchemaNames;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code agate} command: {@code schema print|apply|rebuild}, {@code storage counts|release},
 * {@code dead-letters list|show|replay|purge}. Started by {@code bin/agate}; docs/cli.md describes each command.
 *
 * <p><b>Exit codes.</b> 0 on success; 1 when the operation failed (the database cannot be reached, the
 * schema is missing or of another version, no dead letter has the id); 2 for a usage error (an unknown
 * option, a URL no store handles, no database given, a replay or purge without a selector, a rebuild
 * without {@code --yes}). Every error is one line on stderr; {@code --verbose} adds the stack trace.
 *
 * <p>The database is {@code --db JDBC_URL}, or else the environment variable {@code AGATE_DB_URL}.
 * Results go to stdout, and nothing else does: logs go to stderr at warn level.
 */
@Command(name = "agate", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = AgateCli.Version.class,
        description = "Agate's schema, stored envelopes and dead letters.",
        subcommands = {SchemaCommand.class, StorageCommand.class, DeadLettersCommand.class, ConsoleCommand.class},
        footer = {"", "The database is --db JDBC_URL or the environment variable AGATE_DB_URL (the flag wins).",
                "Exit codes: 0 success, 1 the operation failed, 2 usage error."})
public final class AgateCli implements Runnable {
    /** The environment variable read when {@code --db} is not given. */
    public static final String DB_URL_VARIABLE = "AGATE_DB_URL";

    private final Map<String, String> environment;

    @Option(names = "--db", paramLabel = "JDBC_URL", scope = ScopeType.INHERIT,
            description = "jdbc:sqlite:FILE, jdbc:postgresql://... or jdbc:mariadb://... (default: $" + DB_URL_VARIABLE + ")")
    String dbUrl;

    @Option(names = "--schema", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "The database schema (PostgreSQL) or database (MariaDB) of Agate's tables (default: the connection's).")
    String schema;

    @Option(names = "--prefix", paramLabel = "P", scope = ScopeType.INHERIT, defaultValue = "agate_",
            description = "The prefix of Agate's table names (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = "5",
            description = "How long to wait for the database before giving up (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error, and the store's log at info level.")
    boolean verbose;

    AgateCli(Map<String, String> environment) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    /** Runs the command with the process's environment and exits with its exit code. */
    public static void main(String[] args) {
        if (List.of(args).contains("--verbose") || List.of(args).contains("-v")) {
            // Read once, when the first logger is made: set it before anything logs.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The command, configured as {@link #main} runs it, reading {@code environment} instead of the process's. */
    static CommandLine commandLine(Map<String, String> environment) {
        AgateCli root = new AgateCli(environment);
        ErrorReport errors = new ErrorReport(() -> root.verbose);
        return new CommandLine(root)
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
    }

    /** The same, writing to the given streams: for tests. */
    static CommandLine commandLine(Map<String, String> environment, PrintWriter out, PrintWriter err) {
        return commandLine(environment).setOut(out).setErr(err);
    }

    @Override
    public void run() {
        throw CommandException.usage("name a command: schema, storage or dead-letters (agate --help lists them)");
    }

    /** Where the store's tables are, from the options shared by every command. */
    StoreSettings storeSettings() {
        String url = dbUrl != null ? dbUrl : environment.get(DB_URL_VARIABLE);
        if (url == null || url.isBlank()) {
            throw CommandException.usage("no database: give --db JDBC_URL or set " + DB_URL_VARIABLE);
        }
        if (connectTimeoutSeconds < 1) {
            throw CommandException.usage("--connect-timeout must be at least 1 second, not " + connectTimeoutSeconds);
        }
        return new StoreSettings(url.trim(), schemaNames(), Duration.ofSeconds(connectTimeoutSeconds));
    }

    SchemaNames schemaNames() {
        try {
            return new SchemaNames(schema, prefix);
        } catch (IllegalArgumentException e) {
            throw CommandException.usage(e.getMessage());
        }
    }

    /** The version in the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = AgateCli.class.getPackage().getImplementationVersion();
            return new String[] {"agate " + (version == null ? "(development build)" : version)};
        }
    }
}
