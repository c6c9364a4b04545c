package dev.agate.samples.localpingpong;

import dev.agate.AgateHost;
import dev.agate.ErrorPolicy;
import dev.agate.LocalQueue;
import dev.agate.samples.localpingpong.Messages.Ping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The provisional demo: a pinger and a ponger in one process, talking through two durable local queues
 * on the embedded SQLite store (the default a host uses when it has durable queues and no store; the run
 * script puts its file under {@code target/}, and each run starts from an empty file). Sends N pings,
 * waits for every pong, closes the host (which drains), and prints a report. Exits 1 if any ping was lost
 * or handled twice.
 *
 * <p>Usage: {@code Main [--pings N]} (default 2,000).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        long pings = parsePings(args);
        freshStore();
        Ponger ponger = new Ponger();
        Pinger pinger = new Pinger(pings);
        long started = System.nanoTime();
        try (AgateHost host = AgateHost.builder()
                .serviceName("local-pingpong")
                .handler(ponger, ErrorPolicy.on(IllegalStateException.class)
                        .retryWithCooldown(Duration.ofMillis(5)).deadLetter())
                .handler(pinger)
                .localQueue(LocalQueue.builder("Ping").durable().maximumParallelism(2).capacity(1_000).build())
                .localQueue(LocalQueue.builder("Pong").durable().sequential().capacity(1_000).build())
                .start()) {
            for (long id = 1; id <= pings; id++) {
                host.bus().send(new Ping(id));
            }
            if (!pinger.allAnswered.await(60, TimeUnit.SECONDS)) {
                System.err.println("gave up waiting for pongs after 60 s");
            }
            printReport(pings, ponger, pinger, host.deadLetters().list().size(), System.nanoTime() - started);
        }
        boolean exact = ponger.handled.size() == pings && pinger.answered.size() == pings
                && ponger.duplicates.get() == 0 && pinger.duplicates.get() == 0;
        System.out.println(exact ? "OK: every ping handled once and answered once" : "FAILED: pings were lost or duplicated");
        System.exit(exact ? 0 : 1);
    }

    /** Deletes the store file named by {@code agate.sqlite.file}, so that every run starts empty. */
    private static void freshStore() {
        String file = System.getProperty("agate.sqlite.file");
        if (file == null) {
            return;
        }
        for (String suffix : new String[] {"", "-wal", "-shm", ".leader"}) {
            try {
                Files.deleteIfExists(Path.of(file + suffix));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the demo's store " + file + suffix, e);
            }
        }
    }

    private static void printReport(long pings, Ponger ponger, Pinger pinger, int deadLetters, long nanos) {
        double seconds = nanos / 1e9;
        System.out.println();
        System.out.println("local Ping/Pong report (durable queues on SQLite " + System.getProperty("agate.sqlite.file", "agate-data/local-pingpong.db") + ")");
        System.out.printf(Locale.ROOT, "  pings sent          %,d%n", pings);
        System.out.printf(Locale.ROOT, "  pings handled       %,d (duplicates %d)%n", ponger.handled.size(), ponger.duplicates.get());
        System.out.printf(Locale.ROOT, "  pongs received      %,d (duplicates %d)%n", pinger.answered.size(), pinger.duplicates.get());
        System.out.printf(Locale.ROOT, "  failed then retried %,d%n", ponger.failures.get());
        System.out.printf(Locale.ROOT, "  dead letters        %,d%n", deadLetters);
        System.out.printf(Locale.ROOT, "  elapsed             %.2f s (%,.0f round trips/s)%n", seconds, pings / seconds);
    }

    private static long parsePings(String[] args) {
        if (args.length == 0) {
            return 2_000;
        }
        if (args.length == 2 && args[0].equals("--pings")) {
            try {
                long n = Long.parseLong(args[1]);
                if (n > 0 && n <= Integer.MAX_VALUE) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the usage error
            }
        }
        System.err.println("usage: samples/local-pingpong/run [--pings N]   (N a positive number; default 2000)");
        System.exit(2);
        return 0;
    }
}
