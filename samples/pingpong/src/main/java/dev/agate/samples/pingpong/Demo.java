package dev.agate.samples.pingpong;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Runs a ponger and a pinger as two processes on embedded SQLite files, SIGKILLs the ponger while pings
 * are flowing, starts it again, waits until every ping was answered, and prints what the ledgers say.
 * Exit 0 when every ping was handled once and answered once.
 */
final class Demo {
    private final Path dir;
    private final int pings;

    Demo(Path dir, int pings) {
        this.dir = dir.toAbsolutePath();
        this.pings = pings;
    }

    int run() throws Exception {
        clean();
        Path log = dir.resolve("nodes.log");
        String pingerDb = "jdbc:sqlite:" + dir.resolve("pinger.db");
        String pongerDb = "jdbc:sqlite:" + dir.resolve("ponger.db");
        int pongerPort = freePort();
        int pingerPort = freePort();
        say("ponger and pinger on SQLite files in " + dir + "; their logs: " + log);
        String[] ponger = {"ponger", "--db", pongerDb, "--listen", String.valueOf(pongerPort)};
        int restarts = 0;
        long started = System.nanoTime();
        try (Child first = Child.start("ponger", log, "PONGER", ponger);
             Child pinger = Child.start("pinger", log, "PINGER", "pinger", "--db", pingerDb, "--listen", String.valueOf(pingerPort),
                     "--ponger", "tcp://localhost:" + pongerPort, "--pings", String.valueOf(pings), "--interval-ms", "4")) {
            say("sending " + pings + " pings, one transaction each");
            awaitHandled(pongerDb, pings / 3);
            Tally before = Tally.read(pingerDb, pongerDb);
            first.kill();
            restarts++;
            say("SIGKILLed the ponger with " + before.handled() + " pings handled and " + before.answered() + " answered");
            Thread.sleep(1_000);
            try (Child second = Child.start("ponger", log, "PONGER", ponger)) {
                say("ponger restarted; the pinger's outbox sends what the ponger did not acknowledge");
                Tally end = awaitAnswered(pingerDb, pongerDb);
                double seconds = (System.nanoTime() - started) / 1e9;
                pinger.terminate();
                second.terminate();
                System.out.printf("%nDemo report (%.1f s)%n", seconds);
                System.out.printf("  pings sent      %d%n", end.sent());
                System.out.printf("  pings handled   %d (%d distinct)%n", end.handled(), end.handledDistinct());
                System.out.printf("  pongs received  %d (%d distinct)%n", end.answered(), end.answeredDistinct());
                System.out.printf("  duplicates      %d%n", end.duplicates());
                System.out.printf("  restarts        %d (ponger SIGKILLed)%n", restarts);
                boolean exact = end.exactlyOnce(pings);
                System.out.println(exact ? "  every ping was handled once and answered once" : "  MISMATCH: see " + log);
                return exact ? 0 : 1;
            }
        }
    }

    private void awaitHandled(String pongerDb, long count) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try (var connection = java.sql.DriverManager.getConnection(pongerDb)) {
                if (Ledger.count(connection, "SELECT COUNT(*) FROM ping_handled") >= count) {
                    return;
                }
            } catch (java.sql.SQLException busy) {
                // the ponger holds the file's lock for a moment
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the ponger did not handle " + count + " pings within 2 minutes");
    }

    private Tally awaitAnswered(String pingerDb, String pongerDb) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        Tally last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                last = Tally.read(pingerDb, pongerDb);
                if (last.answeredDistinct() >= pings) {
                    Thread.sleep(500); // a late duplicate would show now
                    return Tally.read(pingerDb, pongerDb);
                }
            } catch (java.sql.SQLException busy) {
                // a lock held for a moment
            }
            Thread.sleep(200);
        }
        return last;
    }

    private void clean() throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        Files.createDirectories(dir);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void say(String line) {
        System.out.println("demo: " + line);
    }
}
