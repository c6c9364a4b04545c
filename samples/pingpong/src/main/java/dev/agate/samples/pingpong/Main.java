package dev.agate.samples.pingpong;

import dev.agate.AgateHost;
import java.util.concurrent.CountDownLatch;

/**
 * The Ping/Pong sample's command line:
 * <pre>
 * ponger --db JDBC_URL --listen PORT|URI [--poison PING_ID]
 * pinger --db JDBC_URL --listen PORT|URI --ponger tcp://HOST:PORT|rabbitmq://queue/NAME --pings N [--interval-ms M]
 * demo [--pings N]
 * </pre>
 * {@code --listen} takes a TCP port or an endpoint URI such as {@code rabbitmq://queue/NAME}; the RabbitMQ
 * broker is {@code AGATE_RABBITMQ_URL} (default {@code amqp://guest:guest@127.0.0.1:5672}).
 * The pinger and the ponger run until they are terminated: SIGTERM closes the host gracefully (a shutdown
 * hook), SIGKILL at any moment loses nothing. Exit 2 with a one-line error for bad arguments.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("name a command");
        }
        try {
            switch (args[0]) {
                case "ponger" -> {
                    Options options = new Options(args, 1, "--db", "--listen", "--poison");
                    runUntilTerminated(Ponger.start(options.required("--db"), options.endpoint("--listen"),
                            Long.parseLong(options.get("--poison", "-1"))));
                }
                case "pinger" -> {
                    Options options = new Options(args, 1, "--db", "--listen", "--ponger", "--pings", "--interval-ms");
                    runUntilTerminated(Pinger.start(options.required("--db"), options.endpoint("--listen"), options.required("--ponger"),
                            Integer.parseInt(options.required("--pings")), Long.parseLong(options.get("--interval-ms", "0"))));
                }
                case "demo" -> {
                    Options options = new Options(args, 1, "--pings", "--dir");
                    System.exit(new Demo(java.nio.file.Path.of(options.get("--dir", "target/demo")),
                            Integer.parseInt(options.get("--pings", "500"))).run());
                }
                default -> usage("unknown command " + args[0]);
            }
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
    }

    private static void runUntilTerminated(AgateHost host) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            host.close();
            System.out.println("CLOSED");
            System.out.flush();
            closed.countDown();
        }, "pingpong-shutdown"));
        closed.await();
    }

    private static void usage(String problem) {
        System.err.println("pingpong: " + problem);
        System.err.println("usage: ponger --db JDBC_URL --listen PORT|URI [--poison PING_ID]");
        System.err.println("       pinger --db JDBC_URL --listen PORT|URI --ponger tcp://HOST:PORT|rabbitmq://queue/NAME --pings N [--interval-ms M]");
        System.err.println("       demo [--pings N] [--dir DIR]");
        System.exit(2);
    }
}
