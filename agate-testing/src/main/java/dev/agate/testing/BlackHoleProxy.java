package dev.agate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can stop forwarding without closing anything, as a network that drops
 * every packet does: while {@link #blackHole() black-holed} it neither reads nor writes, so what a client
 * sends waits in the socket buffers, its answers never come, and every connection stays open. New
 * connections are accepted and go nowhere. {@link #restore()} forwards again; a side that was closed
 * meanwhile (a session the server ended) is closed on the other side too.
 *
 * <p>For fault-injection tests: point a node's JDBC URL (or a sender's address) at {@link #port()} instead
 * of the server's. Each connection takes two threads. Thread-safe; {@link #close()} closes every connection.
 */
public final class BlackHoleProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private volatile boolean blackHoled;
    private volatile boolean closed;

    /** Listens on a free loopback port and forwards each connection to {@code targetHost:targetPort}. */
    public BlackHoleProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The loopback port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Stops forwarding; closes nothing. */
    public void blackHole() {
        blackHoled = true;
    }

    /** Forwards again. */
    public void restore() {
        synchronized (gate) {
            blackHoled = false;
            gate.notifyAll();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                awaitForwarding();
                Socket target = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(target);
                pump(client, target);
                pump(target, client);
            } catch (IOException | InterruptedException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    awaitForwarding();
                    int read = in.read(buffer);
                    if (read < 0) {
                        break;
                    }
                    awaitForwarding(); // a read that was under way when the hole opened: held, not delivered
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side is gone: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void awaitForwarding() throws InterruptedException {
        synchronized (gate) {
            while (blackHoled && !closed) {
                gate.wait(100);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** Stops listening and closes every connection, both sides. */
    @Override
    public void close() throws IOException {
        closed = true;
        restore();
        server.close();
        sockets.forEach(BlackHoleProxy::closeQuietly);
    }
}
