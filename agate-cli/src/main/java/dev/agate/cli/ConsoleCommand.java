package dev.agate.cli;

import dev.agate.console.AgateConsole;
import dev.agate.console.ConsoleAuthenticator;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code agate console}: the operator's console in the browser over the store at {@code --db}, until stopped
 * (Ctrl-C). No application needed: replays go back to the store, and whichever node runs the endpoint
 * handles them.
 */
@Command(name = "console", description = "Serve the operator's console in the browser over the store: what waits per endpoint, nodes,"
        + " dead letters with filters, replay, delete, edit-and-replay, scheduled messages. Read only unless --write. Runs until"
        + " stopped (Ctrl-C).")
final class ConsoleCommand implements Runnable {
    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", description = "The port to listen on (default ${DEFAULT-VALUE}; 0 for any free one).", defaultValue = "8089")
    int port;

    @Option(names = "--bind", description = "The address to listen on (default ${DEFAULT-VALUE}: this machine only). Another one"
            + " exposes the store's messages to the network: set AGATE_CONSOLE_PASSWORD then, and put TLS in front.",
            defaultValue = "127.0.0.1")
    String bind;

    @Option(names = "--write", description = "Allow actions: replay, delete, edit-and-replay, cancel, reschedule. Each asks to"
            + " confirm with the exact count, and is audited.")
    boolean write;

    @Option(names = "--user", description = "With AGATE_CONSOLE_PASSWORD set in the environment, the user of HTTP Basic"
            + " authentication (default ${DEFAULT-VALUE}).", defaultValue = "agate")
    String user;

    @Override
    public void run() {
        JdbcMessageStore store = root.storeSettings().openChecked();
        String password = System.getenv("AGATE_CONSOLE_PASSWORD");
        ConsoleAuthenticator authenticator = password == null || password.isEmpty() ? ConsoleAuthenticator.anyone()
                : ConsoleAuthenticator.basic(user, password);
        AgateConsole console = AgateConsole.builder(store).writable(write).authenticator(authenticator)
                .title(store.description()).build();
        AgateConsole.Server server;
        try {
            server = console.serve(new InetSocketAddress(bind, port));
        } catch (java.io.IOException e) {
            store.close();
            throw CommandException.failure("cannot listen on " + bind + ":" + port + ": " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            store.close();
            stopped.countDown();
        }, "agate-console-stop"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Agate console on " + store.description() + " at http://" + server.address().getHostString() + ":"
                + server.address().getPort() + "/ (" + (write ? "read and write" : "read only")
                + (password == null || password.isEmpty() ? "" : ", HTTP Basic as " + user) + "); Ctrl-C stops it");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
