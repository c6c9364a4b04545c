package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.agate.AgateException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the broker, opened when first needed and opened again after it closed (the broker
 * restarted, closed it, or a heartbeat was missed). The client's own recovery is off: whoever uses a
 * channel of it notices that the channel closed and asks for a new one, so a connection failure and a
 * channel failure take the same path, and an acknowledgement is only ever sent on the channel that
 * received the delivery. Failed attempts are spaced (doubling up to 5 s) so that many callers do not
 * hammer a broker that is down. Thread-safe.
 */
public final class ConnectionKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionKeeper.class);
    private static final long FIRST_RETRY_NANOS = 100_000_000L;
    private static final long MAX_RETRY_NANOS = 5_000_000_000L;

    private final ConnectionFactory factory;
    private final String name;
    private Connection connection;
    private int failuresInARow;
    private long nextAttemptNanos;
    private AgateException lastFailure;
    private boolean closed;

    /** @param name the connection's name as the broker shows it ({@code rabbitmqctl list_connections client_properties}) */
    public ConnectionKeeper(ConnectionFactory factory, String name) {
        this.factory = factory;
        this.name = name;
    }

    /**
     * A new channel on the current connection, connecting first when there is none.
     *
     * @throws AgateException when the broker cannot be reached now (the last failure again, until the retry delay passed)
     */
    public Channel openChannel() {
        Connection current = connection();
        try {
            Channel channel = current.createChannel();
            if (channel == null) {
                throw new AgateException("RabbitMQ connection '" + name + "' has no free channel number");
            }
            return channel;
        } catch (IOException | com.rabbitmq.client.ShutdownSignalException e) { // the latter: it closed just now
            throw new AgateException("cannot open a channel on RabbitMQ connection '" + name + "': " + RabbitErrors.describe(e), e);
        }
    }

    /** True while a connection is open. */
    public synchronized boolean isConnected() {
        return connection != null && connection.isOpen();
    }

    private synchronized Connection connection() {
        if (closed) {
            throw new AgateException("RabbitMQ connection '" + name + "' is closed");
        }
        if (connection != null && connection.isOpen()) {
            return connection;
        }
        if (lastFailure != null && System.nanoTime() < nextAttemptNanos) {
            throw lastFailure;
        }
        try {
            connection = factory.newConnection(name);
            if (failuresInARow > 0) {
                log.info("RabbitMQ connection '{}' to {}:{} open again after {} failed attempt(s)", name, factory.getHost(), factory.getPort(),
                        failuresInARow);
            }
            failuresInARow = 0;
            lastFailure = null;
            return connection;
        } catch (IOException | TimeoutException e) {
            failuresInARow++;
            long delay = Math.min(MAX_RETRY_NANOS, FIRST_RETRY_NANOS << Math.min(20, failuresInARow - 1));
            nextAttemptNanos = System.nanoTime() + delay;
            lastFailure = new AgateException("cannot connect to RabbitMQ at " + factory.getHost() + ":" + factory.getPort() + " (vhost '"
                    + factory.getVirtualHost() + "'): " + RabbitErrors.describe(e), e);
            if (failuresInARow == 1) {
                log.warn("{}; retrying", lastFailure.getMessage());
            }
            throw lastFailure;
        }
    }

    @Override
    public void close() {
        Connection current;
        synchronized (this) {
            closed = true;
            current = connection;
            connection = null;
        }
        if (current != null && current.isOpen()) {
            try {
                current.close(2_000);
            } catch (IOException | RuntimeException e) {
                log.debug("closing RabbitMQ connection '{}': {}", name, e.toString());
            }
        }
    }
}
