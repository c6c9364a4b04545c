package dev.agate.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TcpReceiverMain} in a JVM of its own, with this JVM's options (agents left out) and class
 * path; its log goes to this process's stderr. It cannot be left behind: {@link #close()} kills it, a
 * shutdown hook kills it if this JVM exits first, and it exits by itself when its standard input (a pipe
 * from this process) ends.
 */
final class TcpReceiver implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Put in {@link #lines} once its output ended; compared by identity. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String END = new String("end of output");

    private final Process process;
    private final Thread killer;
    /** Its output, line by line, then {@link #END}. */
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private URI address;
    /** What its last {@link TcpReceiverMain#COMPILED} line said. */
    private volatile long compilationMillis;

    /** What the receiver handled, as it reported when it stopped. */
    record Handled(long handled, long distinct) {
    }

    private TcpReceiver(Process process) {
        this.process = process;
        this.killer = new Thread(process::destroyForcibly, "tcp-receiver-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        Thread reader = new Thread(this::readOutput, "tcp-receiver-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a receiver: {@code durable} on the database at {@code url}, or lightweight ({@code url} null);
     * returns once it listens.
     */
    static TcpReceiver start(boolean durable, String url) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> !arg.startsWith("-agentlib") && !arg.startsWith("-agentpath") && !arg.startsWith("-javaagent"))
                .forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TcpReceiverMain.class.getName()));
        command.addAll(durable ? List.of("durable", url) : List.of("lightweight"));
        TcpReceiver receiver = new TcpReceiver(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        try {
            String ready = receiver.awaitLine(TcpReceiverMain.READY, START_TIMEOUT);
            receiver.address = URI.create(ready.substring(TcpReceiverMain.READY.length()).trim());
            return receiver;
        } catch (Exception e) {
            receiver.close();
            throw e;
        }
    }

    /** Where it listens: {@code tcp://127.0.0.1:PORT}. */
    URI address() {
        return address;
    }

    /**
     * Milliseconds its JIT compilers have spent so far, as it last reported (every {@link TcpReceiverMain#COMPILED_EVERY});
     * 0 before its first report.
     */
    long compilationMillis() {
        return compilationMillis;
    }

    /** Completes when the process exits, whatever the reason. */
    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** Its CPU time so far (user and system, all threads), in nanoseconds; -1 when the OS does not tell. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Ends its standard input, so that it closes its host and reports; waits for the report and its exit. */
    Handled stop() throws Exception {
        process.getOutputStream().close();
        String line = awaitLine(TcpReceiverMain.HANDLED, STOP_TIMEOUT);
        String[] words = line.substring(TcpReceiverMain.HANDLED.length()).trim().split("\\s+");
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("the TCP receiver (pid " + process.pid() + ") did not exit within " + STOP_TIMEOUT);
        }
        return new Handled(Long.parseLong(words[0]), Long.parseLong(words[2]));
    }

    /** Kills it if it still runs. Idempotent. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String line = lines.poll(50, TimeUnit.MILLISECONDS);
            if (line == END) {
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("the TCP receiver ended its output"
                        + (process.isAlive() ? "" : " and exited with status " + process.exitValue())
                        + " before printing '" + prefix.trim() + "'; its errors are above");
            }
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IllegalStateException("the TCP receiver did not print '" + prefix.trim() + "' within " + timeout);
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(TcpReceiverMain.COMPILED)) {
                    try {
                        compilationMillis = Long.parseLong(line.substring(TcpReceiverMain.COMPILED.length()).trim());
                    } catch (NumberFormatException garbled) {
                        // another writer's output on the same line (a JVM option's diagnostics): the next report comes soon
                    }
                } else {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        lines.add(END);
    }
}
