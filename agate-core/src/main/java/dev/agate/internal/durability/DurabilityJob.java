package dev.agate.internal.durability;

import java.time.Duration;

/** One periodic job of the {@link DurabilityAgent}: its name (for logs), its interval, and whether it takes envelopes from the store. */
abstract class DurabilityJob {
    private final String name;
    private final Duration interval;
    private final boolean claims;

    DurabilityJob(String name, Duration interval, boolean claims) {
        this.name = name;
        this.interval = interval;
        this.claims = claims;
    }

    final String name() {
        return name;
    }

    final Duration interval() {
        return interval;
    }

    /** Whether the job takes envelopes from the store (stopped first at shutdown). */
    final boolean claims() {
        return claims;
    }

    /** Whether the job runs on a thread of its own, so that no other job's slow store call delays it. */
    boolean ownThread() {
        return false;
    }

    /** One run; a failure is logged by the agent and the job runs again at its next turn. */
    abstract void run();
}
