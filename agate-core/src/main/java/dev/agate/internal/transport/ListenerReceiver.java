package dev.agate.internal.transport;

import dev.agate.DeadLetter;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.Listener;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.Observers;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.HandledIds;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.ReceiveAnswer.Status;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportListener;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's side of one listener: decides what "received" means for a batch, then hands the envelopes
 * to the listener's local queue, readdressed to that queue (so that recovery, on this node or another,
 * finds them there).
 *
 * <p>Durable queue: the batch is persisted in one transaction, owned by this node, on a receiving thread
 * (never the transport's I/O thread), and only then acknowledged; envelopes already in the store are
 * acknowledged and not handled again. While the store fails, batches are answered "cannot process" at
 * once, so senders keep them and try again. Buffered queue: the batch is acknowledged once all of it is
 * queued, waiting a little for room, else answered "queue full" (see {@link #receiveBuffered}). Thread-safe.
 */
public final class ListenerReceiver implements BatchReceiver {
    private static final Logger log = LoggerFactory.getLogger(ListenerReceiver.class);
    /** How long a buffered listener waits for room in its queue before it answers "queue full". */
    static final Duration BUFFERED_WAIT = Duration.ofSeconds(2);
    /** How many ids of queued envelopes a buffered listener remembers, to skip them when a batch comes again. */
    private static final int RECENT_IDS = 10_000;

    private final Listener settings;
    private final URI queueUri;
    private final Lifecycle lifecycle;
    private final String serviceName;
    private final Supplier<Endpoint> queue;
    /** Null for a host without a store. */
    private final DurableStorage durable;
    private final Observers observers;
    private final ExecutorService receiving;
    private volatile TransportListener listening;
    private volatile boolean open = true;
    /** Buffered only: ids queued lately (guarded by this), oldest evicted first. */
    private final java.util.LinkedHashMap<java.util.UUID, Boolean> recent = new java.util.LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<java.util.UUID, Boolean> eldest) {
            return size() > RECENT_IDS;
        }
    };

    /** @param queue the listener's local queue, opened when first asked for */
    public ListenerReceiver(String serviceName, Listener settings, Supplier<Endpoint> queue, DurableStorage durable, Observers observers,
                            Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.serviceName = serviceName;
        this.settings = settings;
        this.queueUri = URI.create("local://" + settings.queue());
        this.queue = queue;
        this.durable = durable;
        this.observers = observers;
        this.receiving = Executors.newFixedThreadPool(2, AgateThreads.named("agate-receive-" + settings.uri().getAuthority()));
    }

    public Listener settings() {
        return settings;
    }

    public URI queueUri() {
        return queueUri;
    }

    public void listening(TransportListener listener) {
        this.listening = listener;
    }

    /** Why its transport receives nothing now, or null while it receives (or before it listens). */
    public String problem() {
        TransportListener current = listening;
        return current == null ? null : current.problem();
    }

    /** Where it listens, with the bound port; null before it listens. */
    public URI address() {
        TransportListener current = listening;
        return current == null ? null : current.address();
    }

    @Override
    public CompletionStage<ReceiveAnswer> receive(List<Envelope> batch) {
        if (!open) {
            return answer(Status.CANNOT_PROCESS, "host '" + serviceName + "' is stopping");
        }
        if (lifecycle.failure() != null) {
            return answer(Status.CANNOT_PROCESS, lifecycle.failure());
        }
        Endpoint queue;
        try {
            queue = this.queue.get();
        } catch (RuntimeException e) {
            return answer(Status.CANNOT_PROCESS, e.getMessage());
        }
        List<Envelope> readdressed = new ArrayList<>(batch.size());
        batch.forEach(e -> readdressed.add(HandledIds.received(e).withDestination(queueUri)));
        boolean durably = queue.mode() == EndpointMode.DURABLE;
        if (durably && durable.isPaused()) {
            return answer(Status.CANNOT_PROCESS, "the message store is unavailable: " + durable.lastFailure());
        }
        if (durably && !durable.lease().isLive()) {
            // Frozen moments ago, cut off from the store, or rejoining: what it stored now might be another node's already.
            return answer(Status.CANNOT_PROCESS, "node " + durable.nodeId() + " of host '" + serviceName
                    + "' has no live lease on its message store; it takes nothing until it renewed it or rejoined");
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return durably ? receiveDurably(queue, readdressed) : receiveBuffered(queue, readdressed);
                } catch (Error e) {
                    lifecycle.failIfFatal("listener " + settings.uri() + " receiving a batch", e);
                    throw e; // the sender gets no acknowledgement, and sends the batch again
                }
            }, receiving);
        } catch (RejectedExecutionException e) {
            return answer(Status.CANNOT_PROCESS, "host '" + serviceName + "' is stopping");
        }
    }

    private ReceiveAnswer receiveDurably(Endpoint queue, List<Envelope> batch) {
        java.time.Instant now = durable.now();
        List<Envelope> fresh;
        DurableStorage.Received received;
        try {
            received = durable.persistReceived(queueUri, batch, now);
            fresh = received.fresh();
            for (DeadLetter letter : received.tooOld()) {
                log.error("listener {} dead-lettered envelope {} ({}): {}", settings.uri(), letter.id(), letter.envelope().messageType(),
                        letter.reason());
                observers.emit(Kind.DEAD_LETTERED, letter.envelope(), queueUri, null, letter.reason());
            }
        } catch (StoreUnavailableException e) {
            // The outcome is unknown: a commit that failed may have gone through as the connection dropped. Then
            // the sender's resend finds the rows as duplicates and hands nothing on, so the storage gave them to
            // any node: if they were stored, recovery handles them; if not, the resend stores them.
            log.warn("listener {} could not persist a batch of {}; not acknowledged: {}", settings.uri(), batch.size(), e.getMessage());
            return ReceiveAnswer.of(Status.CANNOT_PROCESS, e.getMessage());
        }
        if (fresh.size() < batch.size()) {
            log.debug("listener {} received {} envelope(s) it has already; acknowledged, not handled again", settings.uri(),
                    batch.size() - fresh.size());
            emitDuplicates(batch, fresh, received.tooOld());
        }
        for (Envelope envelope : fresh) {
            if (DurableStorage.isLater(envelope, now)) {
                observers.emit(Kind.SCHEDULED, envelope, queueUri);
            } else {
                observers.emit(Kind.RECEIVED, envelope, queueUri);
                queue.offer(envelope, Duration.ZERO); // no room: it waits in the store, this node's, loaded back when there is
            }
        }
        return ReceiveAnswer.RECEIVED;
    }

    /** Reports the envelopes of a batch that were neither stored now nor dead-lettered: their ids were stored already. */
    private void emitDuplicates(List<Envelope> batch, List<Envelope> fresh, List<DeadLetter> tooOld) {
        Set<UUID> taken = new HashSet<>();
        fresh.forEach(e -> taken.add(e.id()));
        tooOld.forEach(letter -> taken.add(letter.id()));
        Set<UUID> seen = new HashSet<>();
        for (Envelope envelope : batch) {
            // The first copy of an id the store took is that envelope; every other copy in the batch is a duplicate.
            if (!(taken.contains(envelope.id()) && seen.add(envelope.id()))) {
                observers.emit(Kind.DUPLICATE, envelope, queueUri, null, "its id is stored already");
            }
        }
    }

    /**
     * Queues a batch, waiting (on a receiving thread, while the connection is paused) up to
     * {@link #BUFFERED_WAIT} for room. A batch that does not fit in time is answered "queue full" and sent
     * again whole; the envelopes of it that were queued already are remembered and skipped then, so a
     * slow queue does not make duplicates.
     */
    private ReceiveAnswer receiveBuffered(Endpoint queue, List<Envelope> batch) {
        long deadline = System.nanoTime() + BUFFERED_WAIT.toNanos();
        for (Envelope envelope : batch) {
            if (recentlyQueued(envelope)) {
                observers.emit(Kind.DUPLICATE, envelope, queueUri, null, "queued moments ago");
                continue;
            }
            long left = Math.max(0, deadline - System.nanoTime());
            // Announced before it is queued, where a worker may handle it at once: observers see its steps in order. One
            // the queue then refuses is announced again when its sender sends it again.
            observers.emit(Kind.RECEIVED, envelope, queueUri);
            try {
                if (!queue.offer(envelope, Duration.ofNanos(left))) {
                    return ReceiveAnswer.of(Status.QUEUE_FULL, queueUri + " had no room for " + BUFFERED_WAIT.toMillis() + " ms");
                }
            } catch (RuntimeException e) {
                return ReceiveAnswer.of(Status.CANNOT_PROCESS, e.getMessage());
            }
            remember(envelope);
        }
        return ReceiveAnswer.RECEIVED;
    }

    private synchronized boolean recentlyQueued(Envelope envelope) {
        return recent.containsKey(envelope.id());
    }

    private synchronized void remember(Envelope envelope) {
        recent.put(envelope.id(), Boolean.TRUE);
    }

    private static CompletionStage<ReceiveAnswer> answer(Status status, String reason) {
        return CompletableFuture.completedFuture(ReceiveAnswer.of(status, reason));
    }

    /** Stops listening: new batches are not acknowledged, so their senders keep them. */
    public void close() {
        open = false;
        TransportListener current = listening;
        if (current != null) {
            current.close();
        }
        receiving.shutdown();
        try {
            receiving.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
