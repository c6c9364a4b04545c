package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Envelope;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A well-behaved sender that keeps sending small batches on its own thread while a test misbehaves on
 * other connections, and then checks that every batch it sent was received and answered RECEIVED.
 */
final class GoodSender implements AutoCloseable {
    private final TransportSender sender;
    private final Set<UUID> sent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger batches = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    GoodSender(TransportSender sender) {
        this.sender = sender;
        this.thread = new Thread(this::run, "good-sender");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                List<Envelope> batch = Envelopes.batch(5);
                batch.forEach(e -> sent.add(e.id()));
                ReceiveAnswer answer = sender.send(batch).toCompletableFuture().get(10, TimeUnit.SECONDS);
                if (answer.status() != ReceiveAnswer.Status.RECEIVED) {
                    throw new AssertionError("good batch answered " + answer);
                }
                batches.incrementAndGet();
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                failure = e;
                return;
            }
        }
    }

    /** Stops and checks that everything it sent arrived. */
    void assertAllDelivered(RecordingReceiver receiver) throws InterruptedException {
        running = false;
        thread.join(15_000);
        assertThat(failure).as("the good sender failed").isNull();
        assertThat(batches.get()).as("good batches sent").isPositive();
        Set<UUID> received = ConcurrentHashMap.newKeySet();
        receiver.batches.forEach(b -> b.forEach(e -> received.add(e.id())));
        assertThat(received).containsAll(sent);
    }

    @Override
    public void close() {
        running = false;
        sender.close();
    }
}
