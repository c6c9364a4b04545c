package dev.agate;

import dev.agate.spi.NodeRegistry;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * What waits in a message store, read from it: for dashboards, health endpoints and metrics, not for hot
 * loops (each {@link AgateHost#storeStatus()} reads the store). A store may be shared by several services:
 * this is what the store holds, whichever service it is for.
 *
 * @param pending     the envelopes that wait, per kind and endpoint: only endpoints that have some
 * @param deadLetters the dead letters not replayed, counted by message type and exception type
 * @param nodes       the registered nodes, by id: those whose lease is live, and those the leader has not yet
 *                    found dead (within the node timeout)
 * @param leaderId    the node that holds the leader's lease unexpired, by the store's clock; 0 when none does
 */
public record StoreStatus(List<Pending> pending, List<DeadLetterCount> deadLetters, List<NodeRegistry.Node> nodes, int leaderId) {

    public StoreStatus {
        pending = List.copyOf(pending);
        deadLetters = List.copyOf(deadLetters);
        nodes = List.copyOf(nodes);
    }

    /** The status of a host without a store: nothing waits, no nodes. */
    public static StoreStatus empty() {
        return new StoreStatus(List.of(), List.of(), List.of(), 0);
    }

    /** How many envelopes of {@code kind} wait, over every endpoint. */
    public long pending(Kind kind) {
        return pending.stream().filter(p -> p.kind() == kind).mapToLong(Pending::count).sum();
    }

    /** How many dead letters not replayed the store holds. */
    public long deadLetterCount() {
        return deadLetters.stream().mapToLong(DeadLetterCount::count).sum();
    }

    /** What an envelope waits for. */
    public enum Kind {
        /** To be handled: received, sent to a durable local queue, or scheduled and due; not yet handled. */
        INCOMING,
        /** To be handled at its scheduled time, or retried then. */
        SCHEDULED,
        /** To be sent to another service and acknowledged by it (the outbox). */
        OUTGOING
    }

    /**
     * The envelopes of one kind that wait at one endpoint.
     *
     * @param kind     what they wait for
     * @param endpoint the local queue they were stored for ({@link Kind#INCOMING}, {@link Kind#SCHEDULED}) or the
     *                 destination they go to ({@link Kind#OUTGOING})
     * @param count    how many
     * @param oldest   {@link Kind#INCOMING}: since when the longest-waiting one is due, which is when it was first
     *                 sent (the time in its id, a UUIDv7), or its scheduled time when it was scheduled;
     *                 {@link Kind#OUTGOING}: when the oldest was first sent, by its id (the outbox keeps no other
     *                 time, so one that was scheduled counts from when it was scheduled); {@link Kind#SCHEDULED}:
     *                 when the next one is due. Null when none of them tells (their ids, given by the sender, are
     *                 not UUIDv7s)
     */
    public record Pending(Kind kind, URI endpoint, long count, Instant oldest) {
    }

    /**
     * The dead letters, not replayed, of one message type that failed with one exception type at one endpoint.
     *
     * @param exceptionType the exception's class name as stored, or null for dead letters without an exception
     *                      (no handler for the type, a body that could not be read, too old to handle)
     * @param endpoint      where they failed, or null when there is nowhere to replay them to
     */
    public record DeadLetterCount(String messageType, String exceptionType, URI endpoint, long count) {
    }
}
