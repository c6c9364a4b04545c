package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.agate.AgateException;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportListener;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one queue with manual acknowledgements, and hands what arrives to the host in batches.
 *
 * <p>One thread of its own does everything that matters, in order: it (re)builds the channel, its prefetch
 * and its consumer; takes the deliveries that are there (up to the batch size, no waiting for more);
 * hands them to the host, which persists them; and then acks them, once persisted, on the channel that
 * delivered them. When the host cannot take them (its store is down, its lease is not live), the listener
 * keeps them unacknowledged and offers the same batch again after a pause that grows while that lasts:
 * holding its prefetch, the consumer gets nothing more meanwhile (a paused consumer). It never nacks them
 * back to the queue, because a quorum queue counts each requeue against its delivery limit and drops a
 * message past it. Because batches are settled in delivery order on one thread, one cumulative ack
 * settles exactly one batch. Deliveries of a
 * channel that has closed are dropped unsettled: the broker has requeued them already, and settling them
 * on another channel is the "unknown delivery tag" error that kills a channel.
 *
 * <p>A channel or connection that closes (a broker restart, {@code close_all_connections}, a channel
 * error, a cancelled consumer) is rebuilt by that thread, retried until it works; {@link #problem()} says
 * why it is not receiving meanwhile. Thread-safe.
 */
public final class RabbitListener implements TransportListener {
    private static final Logger log = LoggerFactory.getLogger(RabbitListener.class);
    private static final long MAX_PAUSE_MS = 5_000;

    private final RabbitAddress address;
    private final BatchReceiver receiver;
    private final ConnectionKeeper connections;
    private final Topology topology;
    private final EnvelopeMapper mapper;
    private final Settings settings;
    private final Consumer<RabbitListener> onClose;
    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    /** True until {@link #start} stops waiting: until then a refused queue fails the start, afterwards it is retried. */
    private final java.util.concurrent.atomic.AtomicBoolean starting = new java.util.concurrent.atomic.AtomicBoolean(true);
    private volatile Channel channel;
    /** The channel whose consumer the broker cancelled: the listener's thread closes it and consumes again. */
    private volatile Channel cancelled;
    private volatile String problem = "not connected yet";
    private volatile RuntimeException fatal;
    private volatile boolean open = true;

    private RabbitListener(RabbitAddress address, BatchReceiver receiver, ConnectionKeeper connections, Topology topology,
                           EnvelopeMapper mapper, Settings settings, Consumer<RabbitListener> onClose) {
        this.address = address;
        this.receiver = receiver;
        this.connections = connections;
        this.topology = topology;
        this.mapper = mapper;
        this.settings = settings;
        this.onClose = onClose;
        this.worker = new Thread(this::run, "agate-rabbitmq-listen-" + address.queue());
        this.worker.setDaemon(true);
    }

    /**
     * Starts consuming. Waits up to the start timeout for the broker: a queue that clashes with its declaration
     * or does not exist fails here; a broker that cannot be reached is only logged, and retried in the background.
     *
     * @throws Topology.ClashException when the queue's declaration is refused or it does not exist
     */
    public static RabbitListener start(RabbitAddress address, BatchReceiver receiver, ConnectionKeeper connections, Topology topology,
                                       EnvelopeMapper mapper, Settings settings, Consumer<RabbitListener> onClose) {
        RabbitListener listener = new RabbitListener(address, receiver, connections, topology, mapper, settings, onClose);
        listener.worker.start();
        try {
            if (!listener.firstAttempt.await(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("listener {} is not consuming yet ({}); it keeps trying in the background", address.uri(), listener.problem);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (listener.starting.compareAndSet(true, false)) {
            return listener; // the worker decides nothing fatal from now on; what fails is retried
        }
        if (listener.fatal != null) {
            listener.close();
            throw listener.fatal;
        }
        return listener;
    }

    /** The channel it consumes on now, or null: for diagnostics and for tests that break it on purpose. */
    public Channel currentChannel() {
        return channel;
    }

    @Override
    public URI address() {
        return address.uri();
    }

    @Override
    public String problem() {
        return open ? problem : "closed";
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Channel current = channel;
        if (current != null) {
            Topology.closeQuietly(current); // unsettled deliveries go back to the queue
        }
        onClose.accept(this);
    }

    private void run() {
        try {
            work();
        } finally {
            Channel current = channel;
            if (current != null) {
                Topology.closeQuietly(current); // also after a close() that stopped waiting: nothing stays consumed
            }
        }
    }

    private void work() {
        int failuresInARow = 0;
        int refusedInARow = 0;
        Batch held = null; // a batch the host refused: offered again as it was (same envelope ids), never requeued
        while (open) {
            try {
                Channel current = channel;
                if (current != null && current == cancelled) {
                    Topology.closeQuietly(current); // not from the client's callback thread, which would wait on itself
                }
                if (current == null || !current.isOpen()) {
                    held = null; // its channel closed: the broker requeued it
                    current = consume();
                    failuresInARow = 0;
                }
                if (held != null) {
                    if (handOver(held)) {
                        held = null;
                        refusedInARow = 0;
                    } else {
                        Thread.sleep(pauseMillis(++refusedInARow));
                    }
                    continue;
                }
                Delivery first = deliveries.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Delivery> batch = new ArrayList<>(settings.batchSize());
                batch.add(first);
                deliveries.drainTo(batch, settings.batchSize() - 1);
                Channel on = current;
                batch.removeIf(d -> d.channel != on); // its channel closed: the broker requeued it
                if (batch.isEmpty()) {
                    continue;
                }
                Batch taken = map(batch);
                if (handOver(taken)) {
                    refusedInARow = 0;
                } else {
                    // Held unacked: the consumer holds its prefetch meanwhile, so the broker sends nothing more.
                    held = taken;
                    Thread.sleep(pauseMillis(++refusedInARow));
                }
            } catch (InterruptedException e) {
                if (!open) {
                    return;
                }
            } catch (Topology.ClashException e) {
                problem = e.getMessage();
                if (starting.compareAndSet(true, false)) {
                    fatal = e;
                    firstAttempt.countDown();
                    return;
                }
                failuresInARow = pauseAfter(e, ++failuresInARow);
            } catch (AgateException e) {
                failuresInARow = pauseAfter(e, ++failuresInARow);
            } catch (RuntimeException | Error e) {
                // Never let the thread die: a listener without it would stay silent until the process restarts.
                log.error("listener {} met an unexpected error; it starts over", address.uri(), e);
                Channel current = channel;
                if (current != null) {
                    Topology.closeQuietly(current); // what it held unsettled goes back to the queue
                }
                failuresInARow = pauseAfter(e, ++failuresInARow);
            }
        }
    }

    private int pauseAfter(Throwable e, int failuresInARow) {
        problem = e.getMessage() != null ? e.getMessage() : e.toString();
        firstAttempt.countDown();
        if (failuresInARow == 1) {
            log.warn("listener {} is not consuming: {}; retrying", address.uri(), e.getMessage());
        }
        try {
            Thread.sleep(pauseMillis(failuresInARow));
        } catch (InterruptedException interrupted) {
            // close() interrupts: the loop ends
        }
        return failuresInARow;
    }

    /** The pause after {@code inARow} failures or refusals in a row: 100 ms, doubling, at most {@link #MAX_PAUSE_MS}. */
    private static long pauseMillis(int inARow) {
        return Math.min(MAX_PAUSE_MS, 100L << Math.min(10, Math.max(0, inARow - 1)));
    }

    /** Declares or checks the queue, opens a channel with its prefetch, and starts the consumer on it. */
    private Channel consume() {
        topology.ensure(address);
        Channel fresh = connections.openChannel();
        try {
            fresh.basicQos(settings.prefetch());
            fresh.basicConsume(address.queue(), false, "agate-" + address.queue() + "-" + Integer.toHexString(System.identityHashCode(this)),
                    new Receiving(fresh));
        } catch (IOException | com.rabbitmq.client.ShutdownSignalException e) {
            Topology.closeQuietly(fresh);
            throw new AgateException("cannot consume " + address.describe() + ": " + RabbitErrors.describe(e), e);
        }
        if (!open) {
            Topology.closeQuietly(fresh); // closed while it connected
            throw new AgateException("listener " + address.uri() + " is closed");
        }
        Channel previous = channel;
        channel = fresh;
        if (previous != null) {
            log.info("listener {} consumes again", address.uri());
        }
        problem = null;
        firstAttempt.countDown();
        return fresh;
    }

    /** The deliveries with their envelopes, read once: a message without an id keeps the one it got when offered again. */
    private Batch map(List<Delivery> deliveries) {
        List<dev.agate.Envelope> envelopes = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            envelopes.add(mapper.envelope(address.queue(), delivery.properties, delivery.body));
        }
        return new Batch(deliveries, envelopes);
    }

    /** Hands a batch to the host and acks it once persisted. False when the host did not take it. */
    private boolean handOver(Batch taken) throws InterruptedException {
        List<Delivery> batch = taken.deliveries();
        ReceiveAnswer answer;
        try {
            answer = receiver.receive(taken.envelopes()).toCompletableFuture().get();
        } catch (ExecutionException e) {
            answer = ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, String.valueOf(e.getCause()));
        }
        if (answer.status() == ReceiveAnswer.Status.RECEIVED) {
            ack(batch);
            problem = null;
            return true;
        }
        String why = answer.status() + (answer.reason().isEmpty() ? "" : ": " + answer.reason());
        if (!why.equals(problem)) {
            log.warn("listener {} could not hand {} message(s) to the host ({}); it holds them and offers them again after a pause", address.uri(),
                    batch.size(), why);
        }
        problem = "the host does not take what arrives: " + why;
        return false;
    }

    /** One cumulative ack for the batch, on the channel that delivered it, if that is still open. */
    private void ack(List<Delivery> batch) {
        Delivery last = batch.get(batch.size() - 1);
        if (!last.channel.isOpen()) {
            return; // the broker requeued them when the channel closed; the host drops the duplicates it has
        }
        try {
            last.channel.basicAck(last.tag, true);
        } catch (IOException | ShutdownSignalException e) {
            log.debug("listener {} could not settle {} message(s): {}", address.uri(), batch.size(), e.toString());
        }
    }

    private record Batch(List<Delivery> deliveries, List<dev.agate.Envelope> envelopes) {
    }

    /** A delivery with the channel that delivered it. */
    private record Delivery(Channel channel, long tag, AMQP.BasicProperties properties, byte[] body) {
    }

    /** Queues deliveries for the listener's thread; a cancelled consumer or a closed channel makes it rebuild. */
    private final class Receiving extends DefaultConsumer {
        Receiving(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            deliveries.add(new Delivery(getChannel(), envelope.getDeliveryTag(), properties, body));
        }

        @Override
        public void handleCancel(String consumerTag) {
            log.warn("listener {}: the broker cancelled its consumer (the queue was deleted?); it consumes again", address.uri());
            problem = "the broker cancelled its consumer";
            cancelled = getChannel();
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            if (open && !sig.isInitiatedByApplication()) {
                problem = "its channel closed: " + RabbitErrors.describe(sig);
                log.warn("listener {}: {}; it consumes again", address.uri(), problem);
            }
        }
    }
}
