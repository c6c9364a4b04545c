package dev.agate.internal.endpoint;

import dev.agate.AgateException;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.LocalQueue;
import dev.agate.QueueFullException;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.storage.DurableStorage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A buffered or durable local queue: a bounded in-memory buffer drained by {@code maximumParallelism}
 * worker threads named {@code agate-local-NAME-N}.
 *
 * <p>Durable: a send first writes the envelope to the store, owned by this node, then puts it in the
 * buffer. The buffer never blocks a durable sender: when it is full the envelope is released to owner 0
 * and the durability agent brings it back when there is room, on this node or another. A stopped durable
 * queue refuses nothing that is already in the store: what it holds is released when the host closes.
 * While the store fails, the workers pause between envelopes.
 *
 * <p>Design: the buffer is a capacity-bounded {@link LinkedBlockingQueue}, so a producer blocks in
 * {@link #send} while it is full and memory holds at most {@code capacity} waiting envelopes plus one per
 * worker. Every accepted envelope is counted in the host's {@link WorkTracker} before it enters the buffer
 * and uncounted after its handling ends, whatever the outcome. A sequential queue has one worker, so
 * envelopes are handled in buffer order. Workers poll with a short timeout and clear any interrupt a
 * handler left behind, so only {@link #signalStop()} ends them; {@link #awaitStop} then hands back what
 * is left in the buffer. The host stops queues only after draining or after its shutdown timeout.
 */
final class LocalQueueEndpoint implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(LocalQueueEndpoint.class);

    private final LocalQueue settings;
    private final URI uri;
    /** Envelopes with the incarnation of this node that took them (0 for a buffered queue). */
    private final LinkedBlockingQueue<Queued> buffer;
    private final EnvelopeHandler handler;
    private final WorkTracker work;
    private final Duration sendTimeout;
    private final ThreadFactory threads;
    /** Null for a buffered queue. */
    private final DurableStorage durable;
    private final List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean running;

    /** A buffered envelope, and the incarnation that took it: only that incarnation may handle it. */
    private record Queued(Envelope envelope, int incarnation) {
    }

    LocalQueueEndpoint(LocalQueue settings, EnvelopeHandler handler, WorkTracker work, Duration sendTimeout, DurableStorage durable) {
        this.settings = settings;
        this.uri = settings.uri();
        this.buffer = new LinkedBlockingQueue<>(settings.capacity());
        this.handler = handler;
        this.work = work;
        this.sendTimeout = sendTimeout;
        this.threads = AgateThreads.named("agate-local-" + settings.name());
        this.durable = durable;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public EndpointMode mode() {
        return durable != null ? EndpointMode.DURABLE : EndpointMode.BUFFERED;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < settings.maximumParallelism(); i++) {
            Thread worker = threads.newThread(this::work);
            workers.add(worker);
            worker.start();
        }
    }

    @Override
    public boolean send(Envelope envelope) {
        if (durable != null) {
            java.time.Instant now = durable.now();
            List<Envelope> stored = durable.persist(null, uri, List.of(envelope), now);
            if (stored.isEmpty()) {
                return false; // stored already
            }
            if (!DurableStorage.isLater(stored.get(0), now)) {
                enqueueStored(stored.get(0));
            }
            return true;
        }
        if (!offer(envelope, sendTimeout)) {
            throw new QueueFullException(uri + " stayed full (capacity " + settings.capacity() + ") for " + sendTimeout
                    + "; envelope " + envelope.id() + " (" + envelope.messageType() + ") was not accepted");
        }
        return true;
    }

    @Override
    public boolean offer(Envelope envelope, Duration wait) {
        if (durable != null) {
            enqueueStored(envelope);
            return true;
        }
        checkRunning(envelope);
        return work.put(buffer, new Queued(envelope, 0), envelope, wait, () -> running, uri.toString());
    }

    /**
     * Takes an envelope that is in the store, owned by this node, into the buffer; when there is no room
     * (or the queue has stopped) it stays in the store for the agent, released to any node when full.
     */
    private void enqueueStored(Envelope envelope) {
        if (!running) {
            return; // released with everything this node owns when the host closes
        }
        work.begin();
        // Tagged after the row was stored: an incarnation that changed meanwhile makes the handled mark fail, never the row stranded.
        Queued queued = new Queued(envelope, durable.nodeId());
        if (!buffer.offer(queued)) {
            work.end();
            // Not on this thread: after an outbox's commit it may still hold SQLite's one connection or its lock.
            durable.releaseLater(List.of(envelope.id()));
            return;
        }
        if (!running && buffer.remove(queued)) {
            work.end();
        }
    }

    @Override
    public int room() {
        return buffer.remainingCapacity();
    }

    private void checkRunning(Envelope envelope) {
        if (!running) {
            throw new AgateException(uri + " is stopped; envelope " + envelope.id() + " (" + envelope.messageType() + ") was not accepted");
        }
    }

    private void work() {
        while (running) {
            // Only signalStop() may end a worker: clear an interrupt that a handler left behind.
            Thread.interrupted();
            Queued queued;
            try {
                if (durable != null && durable.isPaused()) {
                    Thread.sleep(100); // the store failed moments ago: let it rest
                    continue;
                }
                queued = buffer.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (queued == null) {
                continue;
            }
            Envelope envelope = queued.envelope();
            if (durable != null && !leaseHolds(queued.incarnation())) {
                work.end(); // the incarnation that took it was declared dead: other nodes own it now
                continue;
            }
            try {
                handler.handle(envelope, this);
            } catch (Throwable t) {
                // EnvelopeHandler never throws by contract; if it does, the worker must survive it.
                log.error("worker of {} failed on envelope {}; the worker goes on", uri, envelope.id(), t);
            } finally {
                work.end();
            }
        }
    }

    /**
     * Waits while this node's lease is not live (frozen, cut off, rejoining); false when the incarnation that
     * took the envelope is gone, or the queue stops meanwhile (what this node owns is released when it closes).
     */
    private boolean leaseHolds(int incarnation) {
        while (running) {
            try {
                if (durable.lease().awaitLive(incarnation, Duration.ofSeconds(1))) {
                    return true;
                }
            } catch (InterruptedException e) {
                continue; // only signalStop() ends a worker
            }
            if (durable.nodeId() != incarnation) {
                return false;
            }
        }
        return false;
    }

    @Override
    public int dropStored() {
        if (durable == null) {
            return 0;
        }
        List<Queued> dropped = new ArrayList<>();
        buffer.drainTo(dropped);
        dropped.forEach(e -> work.end());
        return dropped.size();
    }

    @Override
    public void signalStop() {
        synchronized (this) {
            running = false;
        }
        workers.forEach(Thread::interrupt);
    }

    @Override
    public List<Envelope> awaitStop(long deadlineNanos) {
        for (Thread worker : workers) {
            try {
                worker.join(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (worker.isAlive()) {
                log.warn("{} has not stopped although interrupted: a handler of {} ignores interrupts", worker.getName(), uri);
            }
        }
        List<Queued> left = new ArrayList<>();
        buffer.drainTo(left);
        left.forEach(e -> work.end());
        return left.stream().map(Queued::envelope).toList();
    }
}
