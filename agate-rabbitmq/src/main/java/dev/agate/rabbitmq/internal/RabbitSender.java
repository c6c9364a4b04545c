package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes batches to one queue or exchange on a channel of its own, in confirm mode, every message
 * persistent and {@code mandatory}. A batch is published whole (all of it in flight at once) and is
 * answered "received" only when the broker confirmed every message of it and returned none; a nack, a
 * return (no queue is bound to take it), a confirm that does not come within the timeout, or a channel or
 * connection that closes fails the batch, so the host keeps its outgoing rows and sends it again (the
 * receiving inbox drops what it has already). After a failure the channel is replaced, so a late confirm
 * of an abandoned batch can never be taken for one of the next.
 *
 * <p>The host calls {@link #send} and {@link #ping} one at a time (the {@link TransportSender} contract).
 * Confirms and returns arrive on the client's connection thread, which must never wait: it takes no lock
 * of the sender's, and the batch's stage completes, and a failed channel is closed, on {@code work}
 * threads (a channel closed from the connection thread waits for an answer only that thread can read).
 * Thread-safe.
 */
public final class RabbitSender implements TransportSender {
    private static final Logger log = LoggerFactory.getLogger(RabbitSender.class);

    private final RabbitAddress address;
    private final ConnectionKeeper connections;
    private final Topology topology;
    private final EnvelopeMapper mapper;
    private final Settings settings;
    private final ScheduledExecutorService timer;
    private final java.util.concurrent.Executor work;
    private final Consumer<RabbitSender> onClose;
    /** Held by send and ping (one caller at a time anyway), never by close or the client's callbacks. */
    private final java.util.concurrent.locks.ReentrantLock sending = new java.util.concurrent.locks.ReentrantLock();
    private volatile Channel channel;
    private volatile InFlight inFlight;
    private boolean declared; // guarded by sending
    private volatile boolean closed;

    public RabbitSender(RabbitAddress address, ConnectionKeeper connections, Topology topology, EnvelopeMapper mapper, Settings settings,
                        ScheduledExecutorService timer, java.util.concurrent.Executor work, Consumer<RabbitSender> onClose) {
        this.address = address;
        this.connections = connections;
        this.topology = topology;
        this.mapper = mapper;
        this.settings = settings;
        this.timer = timer;
        this.work = work;
        this.onClose = onClose;
    }

    @Override
    public URI destination() {
        return address.uri();
    }

    @Override
    public CompletionStage<ReceiveAnswer> send(List<Envelope> batch) {
        sending.lock();
        try {
            return publish(batch);
        } finally {
            sending.unlock();
        }
    }

    private CompletionStage<ReceiveAnswer> publish(List<Envelope> batch) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the sender to " + address.uri() + " is closed"));
        }
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(ReceiveAnswer.RECEIVED);
        }
        List<AMQP.BasicProperties> properties = new java.util.ArrayList<>(batch.size());
        try {
            for (Envelope envelope : batch) {
                properties.add(mapper.properties(envelope));
            }
        } catch (IllegalArgumentException e) {
            // Nothing published: the host narrows the batch down to the envelope that cannot be sent and dead-letters it.
            return CompletableFuture.failedFuture(e);
        }
        Channel current;
        try {
            current = channel();
        } catch (AgateException e) {
            return CompletableFuture.failedFuture(e);
        }
        InFlight batchInFlight = new InFlight(current, batch.size());
        inFlight = batchInFlight;
        int size = batch.size();
        long timeout = settings.confirmTimeout().toMillis();
        // Started before publishing: a publish that blocks (the broker's memory alarm) is given up in time too.
        var timing = timer.schedule(() -> batchInFlight.fail("the broker did not confirm " + size + " message(s) to "
                + address.describe() + " within " + timeout + " ms", null), timeout, TimeUnit.MILLISECONDS);
        try {
            for (int i = 0; i < size && !batchInFlight.result.isDone(); i++) {
                batchInFlight.expect(current.getNextPublishSeqNo());
                current.basicPublish(address.exchange(), address.routingKey(), true, properties.get(i), batch.get(i).body());
            }
        } catch (IOException | RuntimeException e) {
            batchInFlight.fail("publishing to " + address.describe() + " failed: " + RabbitErrors.describe(e), e);
        }
        return batchInFlight.result.whenCompleteAsync((answer, failure) -> {
            timing.cancel(false);
            if (failure != null) {
                discard(current);
            }
        }, work);
    }

    /** Answers when the connection is up and the destination exists (a passive declaration of it). */
    @Override
    public CompletionStage<Void> ping() {
        sending.lock();
        try {
            topology.ensure(address); // again: the queue may have been deleted or redeclared while the sender was latched
            declared = true;
            channel();
            return CompletableFuture.completedFuture(null);
        } catch (AgateException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            sending.unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Channel current = channel;
        channel = null;
        InFlight pending = inFlight;
        if (pending != null) {
            pending.fail("the sender to " + address.uri() + " was closed", null);
        }
        if (current != null) {
            try {
                current.abort(); // not close(): that waits for a publish blocked by the broker, and so would the host's shutdown
            } catch (IOException | RuntimeException ignored) {
                // closed already
            }
        }
        onClose.accept(this);
    }

    /** The open confirm-mode channel, opening one (and declaring or checking the destination once) when needed. */
    private Channel channel() {
        Channel open = channel;
        if (open != null && open.isOpen()) {
            return open;
        }
        if (closed) {
            throw new AgateException("the sender to " + address.uri() + " is closed");
        }
        if (!declared) {
            topology.ensure(address);
            declared = true;
        }
        Channel fresh = connections.openChannel();
        try {
            fresh.confirmSelect();
        } catch (IOException e) {
            Topology.closeQuietly(fresh);
            throw new AgateException("cannot turn on publisher confirms on RabbitMQ: " + RabbitErrors.describe(e), e);
        }
        fresh.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long deliveryTag, boolean multiple) {
                InFlight current = inFlightOn(fresh);
                if (current != null) {
                    current.acked(deliveryTag, multiple);
                }
            }

            @Override
            public void handleNack(long deliveryTag, boolean multiple) {
                InFlight current = inFlightOn(fresh);
                if (current != null) {
                    current.fail("the broker refused (nacked) a message to " + address.describe(), null);
                }
            }
        });
        fresh.addReturnListener((ReturnListener) (replyCode, replyText, exchange, routingKey, properties, body) -> {
            InFlight current = inFlightOn(fresh);
            if (current != null) {
                current.returned(replyCode + " " + replyText + " (exchange '" + exchange + "', routing key '" + routingKey + "')");
            }
        });
        fresh.addShutdownListener((ShutdownListener) (ShutdownSignalException cause) -> {
            InFlight current = inFlightOn(fresh);
            if (current != null) {
                current.fail("the channel to " + address.describe() + " closed: " + RabbitErrors.describe(cause), cause);
            }
        });
        channel = fresh;
        if (closed) { // close() ran meanwhile and did not see this channel
            channel = null;
            Topology.closeQuietly(fresh);
            throw new AgateException("the sender to " + address.uri() + " is closed");
        }
        return fresh;
    }

    private InFlight inFlightOn(Channel on) {
        InFlight current = inFlight;
        return current != null && current.channel == on ? current : null;
    }

    /** Drops a channel after a failed batch so that nothing late from it is taken for a later batch. Not on the connection thread. */
    private void discard(Channel failed) {
        if (channel == failed) {
            channel = null;
        }
        Topology.closeQuietly(failed);
    }

    @Override
    public String toString() {
        return "RabbitSender{" + address.uri() + '}';
    }

    /**
     * The publish sequence numbers of one batch that wait for their confirm. Confirms are cumulative when
     * {@code multiple}; a return comes before the confirm of the message it returns.
     */
    private final class InFlight {
        final Channel channel;
        final CompletableFuture<ReceiveAnswer> result = new CompletableFuture<>();
        private final java.util.TreeSet<Long> waiting = new java.util.TreeSet<>();
        private final int size;
        private String returned;
        private int published;

        InFlight(Channel channel, int size) {
            this.channel = channel;
            this.size = size;
        }

        synchronized void expect(long sequence) {
            waiting.add(sequence);
            published++;
        }

        synchronized void acked(long tag, boolean multiple) {
            if (multiple) {
                waiting.headSet(tag, true).clear();
            } else {
                waiting.remove(tag);
            }
            if (waiting.isEmpty() && published == size && !result.isDone()) { // confirms may come while the batch is still published
                if (returned != null) {
                    fail("the broker returned a message to " + address.describe() + " as unroutable: " + returned, null);
                } else {
                    result.complete(ReceiveAnswer.RECEIVED);
                }
            }
        }

        synchronized void returned(String reason) {
            if (returned == null) {
                returned = reason;
            }
        }

        void fail(String reason, Throwable cause) {
            if (result.completeExceptionally(new AgateException(reason, cause))) {
                log.debug("batch to {} failed: {}", address.uri(), reason);
            }
        }
    }
}
