package dev.agate.jdbc.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A {@link LedgerNode} in a child JVM on this test's class path, with its output collected. */
public final class ChildNode implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final String name;

    private ChildNode(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    public static ChildNode start(String name, Path log, String url, int send, int first, long delayMillis, int capacity) throws IOException {
        return start(name, log, LedgerNode.class, url, String.valueOf(send), String.valueOf(first), String.valueOf(delayMillis),
                String.valueOf(capacity));
    }

    /** Runs {@code main} with {@code args} in a child JVM; its log (stderr) is appended to {@code log}. */
    public static ChildNode start(String name, Path log, Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ChildNode(name, builder.start());
    }

    /** Waits for a line starting with {@code prefix} and returns it. */
    public String await(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before printing '" + prefix + "': " + lines);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(name + " did not print '" + prefix + "' within " + timeoutMillis + " ms: " + lines);
    }

    public int nodeId() throws InterruptedException {
        return Integer.parseInt(await("NODE ", 60_000).substring(5).trim());
    }

    /** The exit code once the process ended, or null while it runs. */
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no finally block, nothing released. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    /** SIGSTOP: the process stops where it is, its sockets and database sessions stay open. */
    public void freeze() throws Exception {
        signal("STOP");
    }

    /** SIGCONT: a frozen process goes on where it stopped. */
    public void thaw() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** The lines the node printed so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Closes stdin, which makes the node close its host gracefully, and waits for it to exit. */
    public void stop() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not stop within 60 s");
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
