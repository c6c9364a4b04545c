package dev.agate;

import java.time.Duration;
import java.util.Objects;

/**
 * How a host with a message store keeps its durable envelopes: the intervals of the durability agent's
 * jobs, how long handled envelopes are remembered, and when a silent node is declared dead. Immutable;
 * start from {@link #defaults()} and change what you need: {@code Durability.defaults().nodeTimeout(...)}.
 *
 * <p>Each job of the agent runs at its interval plus up to 10% jitter, so nodes started together do not
 * hit the database together; each takes at most {@link #batchSize()} rows per transaction.
 */
public final class Durability {
    private final Duration deduplicationHorizon;
    private final Duration scheduledPollingInterval;
    private final Duration recoveryInterval;
    private final Duration heartbeatInterval;
    private final Duration nodeTimeout;
    private final Duration cleanupInterval;
    private final Duration deadLetterRetention;
    private final Duration storeStartTimeout;
    private final int batchSize;
    private final int maxHandlingCrashes;
    private final int handlingBatchSize;

    private Durability(Duration deduplicationHorizon, Duration scheduledPollingInterval, Duration recoveryInterval,
                       Duration heartbeatInterval, Duration nodeTimeout, Duration cleanupInterval,
                       Duration deadLetterRetention, Duration storeStartTimeout, int batchSize, int maxHandlingCrashes,
                       int handlingBatchSize) {
        this.deduplicationHorizon = deduplicationHorizon;
        this.scheduledPollingInterval = scheduledPollingInterval;
        this.recoveryInterval = recoveryInterval;
        this.heartbeatInterval = heartbeatInterval;
        this.nodeTimeout = nodeTimeout;
        this.cleanupInterval = cleanupInterval;
        this.deadLetterRetention = deadLetterRetention;
        this.storeStartTimeout = storeStartTimeout;
        this.batchSize = batchSize;
        this.maxHandlingCrashes = maxHandlingCrashes;
        this.handlingBatchSize = handlingBatchSize;
        if (nodeTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("nodeTimeout (" + nodeTimeout + ") must be at least twice the heartbeatInterval ("
                    + heartbeatInterval + "), or live nodes would be declared dead between two heartbeats");
        }
    }

    /**
     * Handled and dead-lettered ids remembered 7 days, scheduled envelopes polled every second, unowned ones recovered
     * every 2 seconds, leases renewed every second, nodes dead after 5 seconds without a renewal (so the work of a
     * killed, frozen or cut-off node is taken over within about 7 seconds), cleanup every minute, dead letters kept
     * until purged, the store given 60 seconds to be reachable at start, 500 rows per batch, up to 100 envelopes handled
     * in one transaction.
     */
    public static Durability defaults() {
        return new Durability(Duration.ofDays(7), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofMinutes(1), null, Duration.ofSeconds(60), 500, 3, 100);
    }

    /**
     * The deduplication horizon: how long the id of an envelope that was handled (or dead-lettered) is
     * remembered, so that the same envelope received again, however late, is recognized and not handled
     * twice. The record is compact (the incoming row without its body: about 170 bytes with its index entries on PostgreSQL) and
     * costs no statement of its own (the handled mark writes it; cleanup deletes it). An envelope received
     * over a durable listener whose first send (or scheduled time) is older than the horizon can no longer be
     * told from a duplicate: it is not handled but dead-lettered, with the reason, for a person to replay.
     * Default 7 days.
     */
    public Duration deduplicationHorizon() { return deduplicationHorizon; }

    /** How often due scheduled envelopes (and scheduled retries) are looked for: about how late they may fire. */
    public Duration scheduledPollingInterval() { return scheduledPollingInterval; }

    /** How often unowned incoming envelopes (a dead node's, or those a full queue left in the store) are claimed. */
    public Duration recoveryInterval() { return recoveryInterval; }

    /**
     * How often this node renews its lease in the store (one short update each time), and how often the leader
     * renews its own and looks for dead nodes. Default 1 second.
     */
    public Duration heartbeatInterval() { return heartbeatInterval; }

    /**
     * How long a node's lease lasts: a node that renewed nothing for this long, by the store's clock, is declared
     * dead by the leader and its envelopes go to any node; the leader's own lease lasts as long. The node itself
     * stops handling, sending and receiving a tenth earlier, on its own clock, so that it never acts on work that
     * may already be another's. Shorter means a faster takeover, and more risk that a long pause (a garbage
     * collection, a starved machine) costs the node its lease; it then drops what it held and rejoins, and
     * nothing is lost or handled twice. Default 5 seconds.
     */
    public Duration nodeTimeout() { return nodeTimeout; }

    /** How often expired handled envelopes and dead letters are deleted. */
    public Duration cleanupInterval() { return cleanupInterval; }

    /** How long dead letters are kept, or null to keep them until purged. */
    public Duration deadLetterRetention() { return deadLetterRetention; }

    /** How long {@code start()} keeps trying to reach the store before it fails. */
    public Duration storeStartTimeout() { return storeStartTimeout; }

    /** The most rows one job takes in one transaction. */
    public int batchSize() { return batchSize; }

    /**
     * How many times handling one envelope may crash the process (an {@code OutOfMemoryError} that kills it,
     * a native crash, a library calling {@code System.exit}, a kill while it ran) before the envelope goes to
     * the dead letters, with the reason "handling crashed the process N times", when it is next claimed.
     * An envelope whose holder died holding it is suspected: its next attempts run one at a time, each
     * recorded before it starts, so the envelopes that were only held (or ran beside it) are not blamed.
     * Default 3.
     */
    public int maxHandlingCrashes() { return maxHandlingCrashes; }

    /** At most how many envelopes a worker of a durable queue handles in one transaction; see {@link #handlingBatchSize(int)}. */
    public int handlingBatchSize() { return handlingBatchSize; }

    public Durability deduplicationHorizon(Duration value) {
        return new Durability(positive(value, "deduplicationHorizon"), scheduledPollingInterval, recoveryInterval, heartbeatInterval,
                nodeTimeout, cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability scheduledPollingInterval(Duration value) {
        return new Durability(deduplicationHorizon, positive(value, "scheduledPollingInterval"), recoveryInterval, heartbeatInterval,
                nodeTimeout, cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability recoveryInterval(Duration value) {
        return new Durability(deduplicationHorizon, scheduledPollingInterval, positive(value, "recoveryInterval"), heartbeatInterval,
                nodeTimeout, cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    /** Sets the heartbeat and the node timeout together, which must be at least twice the heartbeat. */
    public Durability heartbeat(Duration interval, Duration timeout) {
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, positive(interval, "heartbeatInterval"),
                positive(timeout, "nodeTimeout"), cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability cleanupInterval(Duration value) {
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                positive(value, "cleanupInterval"), deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    /** Null keeps dead letters until purged. */
    public Durability deadLetterRetention(Duration value) {
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                cleanupInterval, value == null ? null : positive(value, "deadLetterRetention"), storeStartTimeout, batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability storeStartTimeout(Duration value) {
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                cleanupInterval, deadLetterRetention, positive(value, "storeStartTimeout"), batchSize, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability batchSize(int value) {
        if (value < 1 || value > 10_000) {
            throw new IllegalArgumentException("batchSize must be within 1..10000 but was " + value);
        }
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                cleanupInterval, deadLetterRetention, storeStartTimeout, value, maxHandlingCrashes, handlingBatchSize);
    }

    public Durability maxHandlingCrashes(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("maxHandlingCrashes must be at least 1 but was " + value);
        }
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, value, handlingBatchSize);
    }

    /**
     * At most how many envelopes one worker of a durable queue handles in one transaction. While envelopes are
     * waiting, a worker handles those ready at once together: each handler in a context of its own, their
     * handled marks in one statement, one COMMIT for all; a batch also ends after 20 ms of handling, so a slow
     * handler keeps no other envelope waiting long. Invisible to handlers: a handler that fails rolls the batch
     * back, the others are handled again (their effects happen once) and the failed attempt goes to the error
     * policies as if it had run alone. 1 handles every envelope in its own transaction. Default 100.
     */
    public Durability handlingBatchSize(int value) {
        if (value < 1 || value > 10_000) {
            throw new IllegalArgumentException("handlingBatchSize must be within 1..10000 but was " + value);
        }
        return new Durability(deduplicationHorizon, scheduledPollingInterval, recoveryInterval, heartbeatInterval, nodeTimeout,
                cleanupInterval, deadLetterRetention, storeStartTimeout, batchSize, maxHandlingCrashes, value);
    }

    private static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "Durability[deduplicationHorizon=" + deduplicationHorizon + ", scheduledPolling=" + scheduledPollingInterval + ", recovery="
                + recoveryInterval + ", heartbeat=" + heartbeatInterval + ", nodeTimeout=" + nodeTimeout + ", cleanup="
                + cleanupInterval + ", deadLetterRetention=" + deadLetterRetention + ", batchSize=" + batchSize + ", maxHandlingCrashes="
                + maxHandlingCrashes + ", handlingBatchSize=" + handlingBatchSize + "]";
    }
}
