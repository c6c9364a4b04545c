package dev.agate.cli;

import dev.agate.AgateException;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns what stopped a command into one line on stderr and an exit code (see {@link AgateCli}), with the
 * stack trace only under {@code --verbose}. Scripts read the line; people read it too, so it says what to do.
 */
final class ErrorReport implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private static final Pattern PASSWORD = Pattern.compile("((?i)password=)[^&;\\s)]+");
    private final BooleanSupplier verbose;

    ErrorReport(BooleanSupplier verbose) {
        this.verbose = verbose;
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String message = e.getMessage().replaceFirst("^Error: ", "");
        report(command.getErr(), e, message + suggestion(e) + " (see: " + command.getCommandSpec().qualifiedName() + " --help)");
        return CommandException.USAGE;
    }

    /** For a mistyped command or option, the closest ones picocli finds among those of the command: "; did you mean ...?". */
    private static String suggestion(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException unmatched)) {
            return "";
        }
        List<String> closest = unmatched.getSuggestions();
        if (closest.isEmpty()) {
            return "";
        }
        return "; did you mean " + String.join(" or ", closest.subList(0, Math.min(3, closest.size()))) + "?";
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        if (e instanceof CommandException known) {
            report(command.getErr(), e, known.getMessage());
            return known.exitCode();
        }
        if (e instanceof IllegalArgumentException) {
            report(command.getErr(), e, e.getMessage());
            return CommandException.USAGE;
        }
        String message = e instanceof AgateException ? e.getMessage() : e.getClass().getName() + ": " + e.getMessage();
        report(command.getErr(), e, withRootCause(message, e));
        return CommandException.FAILED;
    }

    private void report(PrintWriter err, Throwable e, String message) {
        err.println("agate: error: " + oneLine(message));
        if (verbose.getAsBoolean()) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    /**
     * Adds the deepest cause's message when the top one does not already say it: a pool's "connection is
     * not available" is only useful with the driver's "connection refused" behind it.
     */
    static String withRootCause(String message, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String rootMessage = root.getMessage();
        if (root == e || rootMessage == null || message.contains(oneLine(rootMessage))) {
            return message;
        }
        return message + " (caused by " + root.getClass().getSimpleName() + ": " + rootMessage + ")";
    }

    /** The message on one line, with any password a JDBC URL in it carries masked. */
    static String oneLine(String message) {
        return message == null ? "(no message)" : PASSWORD.matcher(message.strip().replaceAll("\\s*\\R\\s*", " ")).replaceAll("$1***");
    }
}
