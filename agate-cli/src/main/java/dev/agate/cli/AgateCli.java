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
 * The {@code agate} command: {@code schema print|apply|rebuild}, {@code storage counts|nodes|release},
 * {@code dead-letters list|show|replay|delete|edit|audit}, {@code scheduled list|cancel|reschedule}. Started by
 * {@code bin/agate}; docs/cli.md describes each command.
 *
 * <p><b>Exit codes.</b> 0 on success; 1 when the operation failed (the database cannot be reached, the
 * schema is missing or of another version, no dead letter has the id); 2 for a usage error (an unknown
 * option, a URL no store handles, no database given, an action without a selection, an action on many rows
 * without {@code --yes} and without a terminal to confirm on, a rebuild without {@code --yes}). Every error is
 * one line on stderr; {@code --verbose} adds the stack trace.
 *
 * <p>The database is {@code --db JDBC_URL}, or else the environment variable {@code AGATE_DB_URL}.
 * Results go to stdout, and nothing else does: logs go to stderr at warn level.
 */
@Command(name = "agate", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = AgateCli.Version.class,
        description = "Agate's schema, stored envelopes, dead letters and scheduled messages, and the operator's console.",
        subcommands = {SchemaCommand.class, StorageCommand.class, DeadLettersCommand.class, ScheduledCommand.class, ConsoleCommand.class},
        footer = {"", "The database is --db JDBC_URL or the environment variable AGATE_DB_URL (the flag wins).",
                "Exit codes: 0 success, 1 the operation failed, 2 usage error."})
public final class AgateCli implements Runnable {
    /** The environment variable read when {@code --db} is not given. */
    public static final String DB_URL_VARIABLE = "AGATE_DB_URL";

    private final Map<String, String> environment;
    private final Terminal terminal;
    private final java.io.InputStream stdin;

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

    AgateCli(Map<String, String> environment, Terminal terminal, java.io.InputStream stdin) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        this.terminal = Objects.requireNonNull(terminal, "terminal");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
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
        return commandLine(environment, Terminal.system(), System.in);
    }

    /** The command reading confirmations from {@code terminal} and {@code --body -} from {@code stdin}. */
    static CommandLine commandLine(Map<String, String> environment, Terminal terminal, java.io.InputStream stdin) {
        AgateCli root = new AgateCli(environment, terminal, stdin);
        ErrorReport errors = new ErrorReport(() -> root.verbose);
        return new CommandLine(root)
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
    }

    /** The same, writing to the given streams: for tests. */
    static CommandLine commandLine(Map<String, String> environment, PrintWriter out, PrintWriter err) {
        return commandLine(environment).setOut(out).setErr(err);
    }

    /** The same, with a given terminal and standard input: for tests. */
    static CommandLine commandLine(Map<String, String> environment, PrintWriter out, PrintWriter err, Terminal terminal, java.io.InputStream stdin) {
        return commandLine(environment, terminal, stdin).setOut(out).setErr(err);
    }

    @Override
    public void run() {
        throw CommandException.usage("name a command: schema, storage, dead-letters or scheduled (agate --help lists them)");
    }

    /** Who the audit records for an action: {@code --actor}, else the user running the command. */
    String actor(String given) {
        if (given != null) {
            return given;
        }
        String user = environment.getOrDefault("USER", environment.getOrDefault("LOGNAME", System.getProperty("user.name", "unknown")));
        return user + " (agate cli)";
    }

    /** What {@code --body -} reads. */
    java.io.InputStream stdin() {
        return stdin;
    }

    /**
     * Asks the person at the terminal to confirm {@code action} (which names the exact count), unless {@code yes}.
     *
     * @throws CommandException a usage error when there is no terminal to ask on; a failure when not confirmed
     */
    void confirm(boolean yes, String action) {
        if (yes) {
            return;
        }
        if (!terminal.available()) {
            throw CommandException.usage("refusing to " + action + " without a confirmation, and there is no terminal to ask on:"
                    + " add --yes to run it from a script");
        }
        String answer = terminal.ask(Character.toUpperCase(action.charAt(0)) + action.substring(1) + "? [y/N] ");
        if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
            throw CommandException.failure("not confirmed: nothing changed");
        }
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
