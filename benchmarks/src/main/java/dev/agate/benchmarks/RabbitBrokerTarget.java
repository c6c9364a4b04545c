package dev.agate.benchmarks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code broker} row of {@code rabbitmq-durable}, the floor: what the plain RabbitMQ Java client does for the
 * same one-way delivery with the broker's guarantees (persistent, confirmed, acknowledged after it arrived) and
 * no database. Two connections, as {@link dev.agate.rabbitmq.RabbitMqTransport} has: one for publishing, one for
 * consuming.
 * <ul>
 *   <li>Each producer thread publishes on a confirm-mode channel of its own ({@code confirmSelect}), persistent
 *       ({@code deliveryMode 2}) and {@code mandatory}, through the default exchange to a durable queue; confirms
 *       are pipelined: up to {@value #CONFIRM_WINDOW} messages per channel wait for theirs at once, a confirm
 *       listener frees their places (cumulative confirms too). A nack or a return fails the phase; the phase's
 *       check waits for every confirm.</li>
 *   <li>One consumer with manual acknowledgements, prefetch {@value #PREFETCH}, one cumulative ack per
 *       {@value #ACK_EVERY} deliveries (and one for the rest at the end of a phase).</li>
 * </ul>
 * The body is {@code bodySize} bytes, the size of the Agate row's JSON body: the message's id and send time
 * ({@link System#nanoTime()}, just before the publish, before its wait for a place in the window) in its first
 * 16 bytes, zeros after. Latency is from then to the consumer's delivery; msg/s counts messages consumed. Every id must arrive exactly
 * once, or the phase fails.
 */
final class RabbitBrokerTarget implements Target {
    static final int PREFETCH = 200;
    static final int ACK_EVERY = 100;
    static final int CONFIRM_WINDOW = 500;
    private static final long CONFIRM_WAIT_MILLIS = 30_000;

    private final String queue;
    private final int bodySize;
    private final Connection publishing;
    private final Connection consuming;
    private final Channel consumer;
    private final List<Publisher> publishers = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Publisher> publisher = ThreadLocal.withInitial(this::newPublisher);
    private final AtomicLong nextId = new AtomicLong(1);
    private volatile PhaseState state;

    /** The phase, its answers, and how many of its messages were consumed. */
    private record PhaseState(Phase phase, Answers answers, AtomicLong consumed) {
    }

    /** Declares the durable queue (it must not exist yet: its name is the row's own) and starts consuming it. */
    RabbitBrokerTarget(ConnectionFactory factory, String queue, int bodySize) throws Exception {
        this.queue = queue;
        this.bodySize = Math.max(16, bodySize);
        this.publishing = factory.newConnection("agate-bench-floor-publish");
        try {
            this.consuming = factory.newConnection("agate-bench-floor-consume");
            this.consumer = consuming.createChannel();
            consumer.queueDeclare(queue, true, false, false, null);
            consumer.basicQos(PREFETCH);
            consumer.basicConsume(queue, false, "agate-bench-floor", new Consuming(consumer));
        } catch (Exception e) {
            publishing.abort();
            throw e;
        }
    }

    @Override
    public void begin(Phase phase) {
        state = new PhaseState(phase, new Answers(phase, nextId.get()), new AtomicLong());
    }

    @Override
    public void operate() throws Exception {
        long id = nextId.getAndIncrement();
        publisher.get().publish(id);
    }

    @Override
    public void end(Phase phase) throws Exception {
        state.answers().verify();
        for (Publisher p : publishers) {
            p.awaitConfirms();
        }
    }

    /** After the last phase: the queue must be empty (every message was consumed and acknowledged, none is left). */
    void finish() throws IOException {
        long ready = consumer.queueDeclarePassive(queue).getMessageCount();
        if (ready != 0) {
            throw new IllegalStateException("the floor's queue " + queue + " still holds " + ready + " messages");
        }
    }

    private Publisher newPublisher() {
        try {
            Publisher p = new Publisher(publishing.createChannel());
            publishers.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a publishing channel: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (consuming.isOpen()) {
                consuming.close(5_000);
            }
        } catch (IOException | RuntimeException e) {
            consuming.abort();
        }
        try {
            if (publishing.isOpen()) {
                publishing.close(5_000);
            }
        } catch (IOException | RuntimeException e) {
            publishing.abort();
        }
    }

    /** One producer thread's confirm-mode channel and the publish sequence numbers that wait for their confirm. */
    private final class Publisher {
        private final Channel channel;
        private final ConcurrentNavigableMap<Long, Boolean> unconfirmed = new ConcurrentSkipListMap<>();
        private final Semaphore window = new Semaphore(CONFIRM_WINDOW);

        Publisher(Channel channel) throws IOException {
            this.channel = channel;
            channel.confirmSelect();
            channel.addConfirmListener(this::acked, (tag, multiple) -> fail("the broker nacked message " + tag));
            channel.addReturnListener(returned -> fail("the broker returned a message as unroutable: " + returned.getReplyText()));
        }

        /** Latency counts from before the wait for a place in the window, as Agate's counts the wait for a connection. */
        void publish(long id) throws IOException, InterruptedException {
            long sentAt = System.nanoTime();
            byte[] body = new byte[bodySize];
            ByteBuffer.wrap(body).putLong(0, id).putLong(8, sentAt);
            window.acquire();
            unconfirmed.put(channel.getNextPublishSeqNo(), Boolean.TRUE);
            channel.basicPublish("", queue, true, MessageProperties.PERSISTENT_BASIC, body);
        }

        private void acked(long tag, boolean multiple) {
            if (multiple) {
                ConcurrentNavigableMap<Long, Boolean> confirmed = unconfirmed.headMap(tag, true);
                int count = confirmed.size();
                confirmed.clear();
                window.release(count);
            } else if (unconfirmed.remove(tag) != null) {
                window.release();
            }
        }

        private void fail(String problem) {
            PhaseState current = state;
            if (current != null) {
                current.phase().fail(new IllegalStateException(problem));
            }
        }

        /** Waits until every message it published was confirmed. */
        void awaitConfirms() throws InterruptedException {
            if (!window.tryAcquire(CONFIRM_WINDOW, CONFIRM_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(unconfirmed.size() + " messages were not confirmed within " + CONFIRM_WAIT_MILLIS + " ms");
            }
            window.release(CONFIRM_WINDOW);
        }
    }

    /** The consumer: records each delivery's latency and id, acknowledges cumulatively. Deliveries come in order on one thread. */
    private final class Consuming extends DefaultConsumer {
        private int unacked;

        Consuming(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) throws IOException {
            long now = System.nanoTime();
            ByteBuffer buffer = ByteBuffer.wrap(body);
            long id = buffer.getLong(0);
            long sentAt = buffer.getLong(8);
            PhaseState current = state;
            long consumed = current.consumed().incrementAndGet();
            if (++unacked >= ACK_EVERY || consumed >= current.phase().operations()) {
                getChannel().basicAck(envelope.getDeliveryTag(), true);
                unacked = 0;
            }
            current.answers().answered(id, now - sentAt);
        }
    }
}
