package dev.agate.spi;

import dev.agate.AgateException;
import dev.agate.Envelope;
import java.util.List;

/**
 * A claim whose COMMIT failed in a way that leaves unknown whether it took effect: the connection dropped,
 * or the server crashed, as it answered. The envelopes it claimed may be owned by the claiming node now,
 * though the node holds none of them. A store throws this from {@link Inbox#take},
 * {@link Inbox#claimDueScheduled} and {@link Outbox#claim} so that the runtime gives those envelopes back
 * to any node, rather than leaving them owned and held by nobody until the node stops. A store that cannot
 * tell a failed COMMIT from another failure throws its ordinary failure.
 */
public class ClaimOutcomeUnknownException extends AgateException {
    private final transient List<Envelope> claimed;
    private final boolean outgoing;

    /**
     * @param claimed  the envelopes the claim took before its COMMIT failed, their attempts as stored
     * @param outgoing true for a claim of the outbox ({@link Outbox#claim}), false for one of the inbox
     */
    public ClaimOutcomeUnknownException(String message, List<Envelope> claimed, boolean outgoing, Throwable cause) {
        super(message, cause);
        this.claimed = List.copyOf(claimed);
        this.outgoing = outgoing;
    }

    /** Whether the envelopes are outgoing ones, claimed from the outbox, rather than incoming ones. */
    public boolean outgoing() {
        return outgoing;
    }

    /** The envelopes the claim took before its COMMIT failed: maybe owned by the claiming node now. */
    public List<Envelope> claimed() {
        return claimed;
    }
}
