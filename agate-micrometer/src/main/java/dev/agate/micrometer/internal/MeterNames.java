package dev.agate.micrometer.internal;

/**
 * The names of the meters and their tags, by Micrometer's conventions (lowercase, dot-separated; the registry
 * adds units and suffixes: Prometheus shows {@code agate.messages.sent} as {@code agate_messages_sent_total}).
 * docs/metrics.md lists each with its meaning, and a test holds the two together.
 */
public final class MeterNames {
    public static final String SENT = "agate.messages.sent";
    public static final String RECEIVED = "agate.messages.received";
    public static final String SCHEDULED = "agate.messages.scheduled";
    public static final String HANDLED = "agate.messages.handled";
    public static final String FAILED = "agate.messages.failed";
    public static final String RETRIED = "agate.messages.retried";
    public static final String FORWARDED = "agate.messages.forwarded";
    public static final String DEAD_LETTERED = "agate.messages.dead.lettered";
    public static final String DISCARDED = "agate.messages.discarded";
    public static final String ABANDONED = "agate.messages.abandoned";
    public static final String DUPLICATES = "agate.messages.duplicates";

    public static final String HANDLER_EXECUTION = "agate.handler.execution";
    public static final String LATENCY = "agate.messages.latency";
    public static final String STORE_OPERATION = "agate.store.operation";
    public static final String STORE_BATCH_SIZE = "agate.store.batch.size";

    public static final String PENDING = "agate.envelopes.pending";
    public static final String OLDEST_AGE = "agate.envelopes.oldest.age";
    public static final String DEAD_LETTERS = "agate.dead.letters";
    public static final String LATCHED_SENDERS = "agate.senders.latched";
    public static final String LIVE_NODES = "agate.nodes.live";
    public static final String LEADER = "agate.node.leader";

    public static final String TYPE = "message.type";
    public static final String ENDPOINT = "endpoint";
    public static final String MODE = "mode";
    public static final String OUTCOME = "outcome";
    public static final String EXCEPTION = "exception";
    public static final String OPERATION = "operation";
    public static final String KIND = "kind";

    private MeterNames() {
    }
}
