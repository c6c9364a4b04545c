package dev.agate.cli;

/**
 * Why a command stopped, in words for the person who ran it, with the exit code: {@link #usage} (2) when
 * the command line was wrong, {@link #failure} (1) when it was right but the operation could not be done.
 */
final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private final int exitCode;

    private CommandException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CommandException usage(String message) {
        return new CommandException(USAGE, message, null);
    }

    static CommandException usage(String message, Throwable cause) {
        return new CommandException(USAGE, message, cause);
    }

    static CommandException failure(String message) {
        return new CommandException(FAILED, message, null);
    }

    int exitCode() {
        return exitCode;
    }
}
