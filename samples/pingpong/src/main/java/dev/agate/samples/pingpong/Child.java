package dev.agate.samples.pingpong;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A pinger or ponger in a JVM of its own, on this one's class path; its log (stderr) goes to a file. */
public final class Child implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code Main args...}; waits until it printed the line starting with {@code readyPrefix}. */
    public static Child start(String name, Path log, String readyPrefix, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Child child = new Child(name, process);
        child.await(readyPrefix, 60_000);
        return child;
    }

    public String await(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before printing '" + prefix + "'; see its log");
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(name + " did not print '" + prefix + "' within " + timeoutMillis + " ms; see its log");
    }

    /** SIGKILL: no shutdown hook runs, nothing is released. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    /** SIGSTOP: the process stops where it is; its sockets and database sessions stay open. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a frozen process goes on where it stopped. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** SIGTERM: the shutdown hook closes the host gracefully. True when it exited in time. */
    public boolean terminate() throws InterruptedException {
        process.destroy();
        if (process.waitFor(60, TimeUnit.SECONDS)) {
            return true;
        }
        process.destroyForcibly();
        return false;
    }

    public boolean isAlive() {
        return process.isAlive();
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
