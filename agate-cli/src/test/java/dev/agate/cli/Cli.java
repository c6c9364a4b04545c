package dev.agate.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs the command in this JVM as {@code bin/agate} would, with a given environment, and keeps what it printed. */
final class Cli {
    private Cli() {
    }

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        return runWith(Map.of(), args);
    }

    /** A terminal that answers the questions it is asked, in order, and records them. */
    static final class ScriptedTerminal implements Terminal {
        final java.util.List<String> questions = new java.util.ArrayList<>();
        private final java.util.Deque<String> answers;

        ScriptedTerminal(String... answers) {
            this.answers = new java.util.ArrayDeque<>(java.util.List.of(answers));
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public String ask(String question) {
            questions.add(question);
            return answers.poll();
        }
    }

    /** Runs with a terminal to confirm on and what standard input holds. */
    static Result runAt(Terminal terminal, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AgateCli.commandLine(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true), terminal,
                new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8))).execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    static Result runWith(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AgateCli.commandLine(environment, new PrintWriter(out, true), new PrintWriter(err, true), NO_TERMINAL,
                java.io.InputStream.nullInputStream()).execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    /** As in a script or a pipe: nobody to ask. */
    static final Terminal NO_TERMINAL = new Terminal() {
        @Override
        public boolean available() {
            return false;
        }

        @Override
        public String ask(String question) {
            throw new AssertionError("asked without a terminal: " + question);
        }
    };
}
