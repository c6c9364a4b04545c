package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import dev.agate.AgateException;
import java.io.IOException;
import java.util.Map;

/**
 * Declares the queue or exchange behind an address (auto-provisioning), or only checks that it exists
 * (queues and exchanges owned by someone else). Each call uses a channel of its own, because the broker
 * answers a refused declaration by closing the channel. Thread-safe.
 */
public final class Topology {
    private final ConnectionKeeper connections;
    private final Settings settings;

    public Topology(ConnectionKeeper connections, Settings settings) {
        this.connections = connections;
        this.settings = settings;
    }

    /**
     * Makes sure what {@code address} names exists: declared when auto-provisioning (a durable classic queue,
     * or a quorum queue when asked; a durable exchange must exist already or be declared by the user), else
     * checked.
     *
     * @throws ClashException when the broker refuses the declaration or the queue is missing: retrying cannot help
     * @throws AgateException when the broker cannot be reached
     */
    public void ensure(RabbitAddress address) {
        Channel channel = connections.openChannel();
        try {
            if (address.isQueue()) {
                if (settings.autoProvision()) {
                    Map<String, Object> arguments = settings.argumentsOf(address.queue());
                    channel.queueDeclare(address.queue(), true, false, false, arguments);
                } else {
                    channel.queueDeclarePassive(address.queue());
                }
            } else {
                channel.exchangeDeclarePassive(address.exchange());
            }
        } catch (IOException | com.rabbitmq.client.ShutdownSignalException e) {
            int code = RabbitErrors.channelCloseCode(e);
            String reason = RabbitErrors.describe(e);
            if (code == AMQP.PRECONDITION_FAILED) {
                throw new ClashException("RabbitMQ refused to declare " + address.describe() + " as Agate declares it ("
                        + describe(address) + "): " + reason + ". Declare it the same way everywhere, or delete the queue so that it is "
                        + "declared again", e);
            }
            if (code == AMQP.NOT_FOUND) {
                throw new ClashException("RabbitMQ has no " + address.describe() + " (" + reason + ")" + (address.isQueue()
                        ? "; declare it, or let Agate declare it with RabbitMqTransport.builder().autoProvision()"
                        : "; exchanges are not declared by Agate: declare it and its bindings"), e);
            }
            if (code == AMQP.ACCESS_REFUSED) {
                throw new ClashException("RabbitMQ refused access to " + address.describe() + ": " + reason, e);
            }
            throw new AgateException("cannot declare " + address.describe() + " on RabbitMQ: " + reason, e);
        } finally {
            closeQuietly(channel);
        }
    }

    private String describe(RabbitAddress address) {
        Map<String, Object> arguments = settings.argumentsOf(address.queue());
        return "durable" + (arguments.isEmpty() ? ", no arguments" : ", arguments " + new java.util.TreeMap<>(arguments));
    }

    static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException ignored) {
            // closed already, or the connection went: nothing left to release
        }
    }

    /** The broker refused a declaration, or what must exist does not: a configuration error that retrying cannot fix. */
    public static final class ClashException extends AgateException {
        private static final long serialVersionUID = 1L;

        ClashException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
