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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A buffered or durable local queue: a bounded in-memory buffer drained by {@code workers}
 * worker threads named {@code agate-local-NAME-N}.
 *
 * <p>Durable: a send first writes the envelope to the store, owned by this node, then puts it in the
 * buffer. The buffer never blocks a durable sender (it may hold the application's connection, which the
 * workers may need): when it is full, the envelope waits in the store, still this node's, its id noted in
 * order; from then on every envelope stored for the queue waits behind it, and the workers load them back,
 * oldest first, a few hundred per statement, whenever half the buffer or 500 places are free. That is the
 * queue's back-pressure, logged when it begins and ends and counted in {@link #waitingInStore()} and
 * {@link #overflowed()}; no row changes owner for it. Past {@value #MAX_WAITING_IN_STORE} waiting ids, an
 * envelope is released to any node instead (the durability agent claims it when a queue has room). A stopped
 * durable queue refuses nothing that is already in the store: what it holds is released when the host closes.
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
    private final int workerCount;
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
    /** How many ids of envelopes that wait in the store a queue remembers (about 40 bytes each). */
    static final int MAX_WAITING_IN_STORE = 200_000;
    /** The most envelopes loaded back from the store in one statement. */
    private static final int LOAD_CHUNK = 500;
    /** Durable: ids of envelopes this node stored for the queue while its buffer was full, oldest first. Guarded by itself. */
    private final ArrayDeque<UUID> waiting = new ArrayDeque<>();
    private volatile int waitingCount;
    private final java.util.concurrent.atomic.AtomicLong overflowed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong releasedWhenFull = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.locks.ReentrantLock loading = new java.util.concurrent.locks.ReentrantLock();
    /** Envelopes a worker had taken for its next batch when the queue stopped. */
    private final List<Queued> stoppedHolding = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A buffered envelope, and the incarnation that took it: only that incarnation may handle it. */
    private record Queued(Envelope envelope, int incarnation) {
    }

    LocalQueueEndpoint(LocalQueue settings, int workers, EnvelopeHandler handler, WorkTracker work, Duration sendTimeout,
                       DurableStorage durable) {
        this.settings = settings;
        this.workerCount = workers;
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
        for (int i = 0; i < workerCount; i++) {
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
     * Takes an envelope that is in the store, owned by this node, into the buffer; when there is no room, or
     * envelopes wait in the store already, it waits there too (see the class comment).
     */
    private void enqueueStored(Envelope envelope) {
        if (!running) {
            return; // released with everything this node owns when the host closes
        }
        // Tagged after the row was stored: an incarnation that changed meanwhile makes the handled mark fail, never the row stranded.
        Queued queued = new Queued(envelope, durable.nodeId());
        work.begin();
        if (waitingCount > 0 || !buffer.offer(queued)) {
            synchronized (waiting) {
                if (!waiting.isEmpty() || !buffer.offer(queued)) { // empty and room again: the workers loaded the last one back meanwhile
                    work.end();
                    waitInStore(envelope);
                    return;
                }
            }
        }
        if (!running && buffer.remove(queued)) {
            work.end();
        }
    }

    /** Notes a stored envelope for which the buffer had no room; caller holds {@code waiting}. */
    private void waitInStore(Envelope envelope) {
        if (waiting.size() >= MAX_WAITING_IN_STORE) {
            // Not on this thread: after an outbox's commit it may still hold SQLite's one connection or its lock.
            durable.releaseLater(List.of(envelope.id()));
            if (releasedWhenFull.incrementAndGet() % 10_000 == 1) {
                log.warn("{} is full and {} envelopes wait in the store for it: envelope {} and those after it are given to any"
                        + " node, for the durability agent to claim when a queue has room ({} so far)", uri, waiting.size(), envelope.id(),
                        releasedWhenFull.get());
            }
            return;
        }
        if (waiting.isEmpty()) {
            log.info("{} is full ({} envelopes in memory): envelopes stored for it wait in the store from now on, still this node's,"
                    + " and are loaded back in order as room frees ({} have waited so far)", uri, settings.capacity(), overflowed.get());
        }
        waiting.addLast(envelope.id());
        waitingCount = waiting.size();
        overflowed.incrementAndGet();
    }

    /**
     * Loads envelopes that wait in the store back into the buffer, oldest first, while it has room for a
     * chunk; one worker at a time. Ids the store no longer has as this node's (another node took them over
     * after this one lost its lease) are forgotten.
     */
    private void loadWaiting() {
        if (!loading.tryLock()) {
            return;
        }
        try {
            while (running && waitingCount > 0 && buffer.remainingCapacity() >= Math.min(LOAD_CHUNK, Math.max(1, settings.capacity() / 2))) {
                List<UUID> ids = new ArrayList<>();
                synchronized (waiting) {
                    while (ids.size() < Math.min(LOAD_CHUNK, buffer.remainingCapacity()) && !waiting.isEmpty()) {
                        ids.add(waiting.pollFirst());
                    }
                    waitingCount = waiting.size();
                }
                int incarnation = durable.nodeId();
                List<Envelope> loaded;
                try {
                    loaded = durable.loadOwned(ids);
                } catch (RuntimeException e) {
                    putBack(ids);
                    log.warn("{}: loading {} envelopes back from the store failed, tried again shortly: {}", uri, ids.size(), e.toString());
                    return;
                }
                for (int i = 0; i < loaded.size(); i++) {
                    work.begin();
                    if (!buffer.offer(new Queued(loaded.get(i), incarnation))) {
                        work.end();
                        putBack(loaded.stream().skip(i).map(Envelope::id).toList());
                        return;
                    }
                }
                if (waitingCount == 0) {
                    log.info("{}: every envelope that waited in the store is back in memory ({} have waited so far)", uri, overflowed.get());
                }
            }
        } finally {
            loading.unlock();
        }
    }

    /** Puts ids taken for loading back at the head of the waiting ones, in their order. */
    private void putBack(List<UUID> ids) {
        synchronized (waiting) {
            for (int i = ids.size() - 1; i >= 0; i--) {
                waiting.addFirst(ids.get(i));
            }
            waitingCount = waiting.size();
        }
    }

    @Override
    public int waitingInStore() {
        return waitingCount;
    }

    @Override
    public long overflowed() {
        return overflowed.get();
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
        Worker worker = new Worker();
        while (running) {
            // Only signalStop() may end a worker: clear an interrupt that a handler left behind.
            Thread.interrupted();
            Queued queued;
            try {
                if (durable != null && durable.isPaused()) {
                    Thread.sleep(100); // the store failed moments ago: let it rest
                    continue;
                }
                if (waitingCount > 0) {
                    loadWaiting();
                }
                queued = worker.stashed != null ? worker.stashed : buffer.poll(100, TimeUnit.MILLISECONDS);
                worker.stashed = null;
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
                if (durable != null) {
                    worker.taken = 1;
                    handler.handleBatch(envelope, () -> worker.next(queued.incarnation()), this);
                } else {
                    handler.handle(envelope, this);
                }
            } catch (Throwable t) {
                // EnvelopeHandler never throws by contract; if it does, the worker must survive it.
                log.error("worker of {} failed on envelope {}; the worker goes on", uri, envelope.id(), t);
            } finally {
                for (int i = durable != null ? worker.taken : 1; i > 0; i--) {
                    work.end();
                }
            }
        }
        if (worker.stashed != null) {
            stoppedHolding.add(worker.stashed); // handed back by awaitStop with the buffer's rest
        }
    }

    /**
     * What one worker thread holds between envelopes: how many the handler took in this batch, and an envelope
     * it took from the buffer but may not hand on in this batch (another incarnation's, or the lease is not
     * live): the worker's next envelope, checked like any other.
     */
    private final class Worker {
        int taken;
        Queued stashed;

        /** The next envelope of a durable batch under {@code incarnation}, if one is ready now. */
        Envelope next(int incarnation) {
            if (!running || stashed != null || durable.isPaused()) {
                return null;
            }
            Queued queued = buffer.poll();
            if (queued == null) {
                return null;
            }
            if (queued.incarnation() != incarnation || !durable.lease().isLive() || durable.nodeId() != incarnation) {
                stashed = queued;
                return null;
            }
            taken++;
            return queued.envelope();
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
        synchronized (waiting) {
            waiting.clear(); // other nodes own those rows now
            waitingCount = 0;
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
        List<Queued> left = new ArrayList<>(stoppedHolding);
        stoppedHolding.clear();
        buffer.drainTo(left);
        left.forEach(e -> work.end());
        return left.stream().map(Queued::envelope).toList();
    }
}
