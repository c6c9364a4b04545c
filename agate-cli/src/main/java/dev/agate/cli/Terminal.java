package dev.agate.cli;

import java.io.Console;

/**
 * Where a command that changes many rows asks for confirmation: the process's console, or none when the
 * command runs in a script or a pipe (then it must be told {@code --yes}). The question goes to the terminal,
 * never to stdout, which carries results only.
 */
interface Terminal {

    /** Whether there is a person to ask. */
    boolean available();

    /** Asks {@code question} and returns the answer, or null at the end of input. */
    String ask(String question);

    /** The process's console ({@link System#console()}), when it has one. */
    static Terminal system() {
        return new Terminal() {
            @Override
            public boolean available() {
                return System.console() != null;
            }

            @Override
            public String ask(String question) {
                Console console = System.console();
                return console == null ? null : console.readLine("%s", question);
            }
        };
    }
}
