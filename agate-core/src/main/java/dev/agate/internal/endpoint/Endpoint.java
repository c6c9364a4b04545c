package dev.agate.internal.endpoint;

import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.LocalQueue;
import dev.agate.internal.storage.DurableStorage;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Where envelopes are delivered in this process. Implementations are thread-safe. */
public interface Endpoint {
    URI uri();

    EndpointMode mode();

    /** True for a sender to another service: its durable envelopes are kept in the outbox, not the inbox. */
    default boolean sendsOut() {
        return false;
    }

    /**
     * Accepts an envelope from outside the host's handlers, blocking while the endpoint is full
     * (back-pressure). An inline endpoint handles it before returning.
     *
     * @return false when a durable endpoint holds an envelope with this id already (a send repeated with the
     *         sender's own message id): nothing was taken
     * @throws dev.agate.QueueFullException when it stays full for the whole send timeout
     * @throws dev.agate.AgateException when the endpoint is stopped
     */
    boolean send(Envelope envelope);

    /**
     * Accepts an envelope if there is room within {@code wait} (zero: now or never). An inline endpoint
     * handles it on this thread before returning true. A durable endpoint takes an envelope that is already
     * in the store, owned by this node: it always answers true, and leaves the envelope in the store
     * (released to any node) when it has no room.
     *
     * @throws dev.agate.AgateException when the endpoint is stopped
     */
    boolean offer(Envelope envelope, Duration wait);

    /**
     * Drops, unhandled, the stored envelopes it holds in memory and has not started: this node's lease was
     * lost and other nodes own them now. Returns how many; 0 for an endpoint that holds none.
     */
    default int dropStored() {
        return 0;
    }

    /** A durable queue: how many envelopes stored for it wait in the store for room in its buffer now. */
    default int waitingInStore() {
        return 0;
    }

    /** A durable queue: how many envelopes found it full and waited in the store, since it opened. */
    default long overflowed() {
        return 0;
    }

    /** How many more envelopes it can take into memory now, for the durability agent's recovery. */
    int room();

    void start();

    /** Stops accepting and interrupts the workers; returns at once. */
    void signalStop();

    /**
     * Waits until the workers have ended or {@code deadlineNanos} (a {@link System#nanoTime()} value) has
     * passed, then returns the envelopes that were never handed to a worker.
     */
    List<Envelope> awaitStop(long deadlineNanos);

    /**
     * A new, not yet started local queue: inline, or buffered in memory and run by its own workers.
     *
     * @param workers how many worker threads a buffered or durable queue runs
     * @param storage where a durable queue keeps its envelopes; null for a buffered or inline queue
     */
    static Endpoint localQueue(LocalQueue queue, int workers, EnvelopeHandler handler, WorkTracker work, Duration sendTimeout,
                               DurableStorage storage) {
        return queue.mode() == EndpointMode.INLINE
                ? new InlineEndpoint(queue.uri(), handler, work)
                : new LocalQueueEndpoint(queue, workers, handler, work, sendTimeout, storage);
    }
}
