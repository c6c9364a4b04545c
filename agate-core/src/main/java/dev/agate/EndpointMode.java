package dev.agate;

/** How an endpoint holds envelopes between sending and handling. */
public enum EndpointMode {
    /** Persisted in the message store (inbox/outbox): survives a crash. Needs a message store. */
    DURABLE,
    /** Held in a bounded in-memory buffer and handled by worker threads: fast, lost on a crash. */
    BUFFERED,
    /** Handled (or sent) on the caller's thread before the send returns; nothing is buffered. */
    INLINE
}
