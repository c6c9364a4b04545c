package dev.agate.spi;

import java.util.Objects;

/**
 * What a listener answers to one batch. Only {@link Status#RECEIVED} means the sender may forget the batch.
 *
 * @param status what happened
 * @param reason why, for a refusal: logged on both sides; empty for {@link Status#RECEIVED}
 */
public record ReceiveAnswer(Status status, String reason) {

    public static final ReceiveAnswer RECEIVED = new ReceiveAnswer(Status.RECEIVED, "");

    public ReceiveAnswer {
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
    }

    public static ReceiveAnswer of(Status status, String reason) {
        return new ReceiveAnswer(status, reason);
    }

    public enum Status {
        /** Persisted (durable listener) or queued in memory (buffered listener): the sender may forget it. */
        RECEIVED,
        /** The frame or an envelope in it cannot be decoded: sending it again cannot help. */
        CANNOT_DESERIALIZE,
        /** The receiver failed (its database is down, say): the sender tries again later. */
        CANNOT_PROCESS,
        /** The receiver has no room now (back-pressure): the sender slows down and tries again; nothing is dropped. */
        QUEUE_FULL
    }
}
