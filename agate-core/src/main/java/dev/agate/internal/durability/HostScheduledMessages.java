package dev.agate.internal.durability;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import dev.agate.ScheduledMessages;
import dev.agate.internal.storage.DurableStorage;
import java.time.Instant;
import java.util.Objects;

/**
 * The scheduled messages a host shows ({@link dev.agate.AgateHost#scheduledMessages()}), all in its store: a
 * host with a store schedules every delivery there. A reschedule to now wakes this host's firing of due
 * envelopes, so that what a person asked to run now runs now.
 */
public final class HostScheduledMessages implements ScheduledMessages {
    private final DurableStorage storage;
    private final Runnable wakeFiring;

    public HostScheduledMessages(DurableStorage storage, Runnable wakeFiring) {
        this.storage = storage;
        this.wakeFiring = wakeFiring;
    }

    @Override
    public Page<ScheduledMessage> query(ScheduledFilter filter, PageRequest page) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(page, "page");
        return storage.call("querying scheduled envelopes", () -> storage.store().scheduled().query(filter, page));
    }

    @Override
    public long count(ScheduledFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return storage.call("counting scheduled envelopes", () -> storage.store().scheduled().count(filter));
    }

    @Override
    public ActionResult cancel(ScheduledFilter filter, String actor) {
        Objects.requireNonNull(filter, "filter");
        AuditEntry.checkActor(actor);
        Instant now = storage.now();
        Instant keepIdUntil = now.plus(storage.settings().deduplicationHorizon());
        return storage.call("cancelling scheduled envelopes", () -> storage.store().scheduled().cancel(filter, actor, now, keepIdUntil));
    }

    @Override
    public ActionResult reschedule(ScheduledFilter filter, Instant at, String actor) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(at, "at");
        AuditEntry.checkActor(actor);
        Instant now = storage.now();
        ActionResult result = storage.call("rescheduling scheduled envelopes", () -> storage.store().scheduled().reschedule(filter, at, actor, now));
        if (result.touched() > 0 && !at.isAfter(now)) {
            wakeFiring.run();
        }
        return result;
    }
}
