package dev.agate.internal.deadletter;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.DeadLetters;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.internal.storage.DurableStorage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The dead letters a host shows ({@link dev.agate.AgateHost#deadLetters()}): those of durable endpoints
 * live in the store (and survive restarts), the others in memory, like their envelopes did. Queries read both
 * and merge them by position, so paging needs nothing more than the cursor; actions act on both. Replaying a
 * stored one puts it back into the inbox as unowned and wakes the durability agent's recovery, which hands it
 * to its queue on whichever node claims it first; an in-memory one is sent again at once.
 */
final class HostDeadLetters implements DeadLetters {
    /** The most stored dead letters {@link #list()} reads; {@link #query} pages through more. */
    static final int LIST_LIMIT = 10_000;

    /** Null for a host without a store. */
    private final DurableStorage storage;
    private final InMemoryDeadLetters memory;
    private final Consumer<DeadLetter> replayer;
    private final Runnable wakeRecovery;
    private final Clock clock;

    HostDeadLetters(DurableStorage storage, InMemoryDeadLetters memory, Consumer<DeadLetter> replayer, Runnable wakeRecovery, Clock clock) {
        this.storage = storage;
        this.memory = memory;
        this.replayer = replayer;
        this.wakeRecovery = wakeRecovery;
        this.clock = clock;
    }

    @Override
    public Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(page, "page");
        Page<DeadLetter> inMemory = memory.query(filter, page);
        if (storage == null) {
            return inMemory;
        }
        Page<DeadLetter> stored = storage.call("querying dead letters", () -> storage.store().deadLetters().query(filter, page));
        return merge(page, stored, inMemory, DeadLetter::position);
    }

    @Override
    public long count(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        long stored = storage == null ? 0 : storage.call("counting dead letters", () -> storage.store().deadLetters().count(filter));
        return stored + memory.count(filter);
    }

    @Override
    public ActionResult replay(DeadLetterFilter filter, String actor) {
        Objects.requireNonNull(filter, "filter");
        AuditEntry.checkActor(actor);
        ActionResult stored = ActionResult.of(0, 0);
        if (storage != null) {
            stored = storage.call("replaying dead letters", () -> storage.store().deadLetters().replay(filter, actor, clock.instant()));
            if (stored.touched() > 0) {
                wakeRecovery.run();
            }
        }
        return stored.plus(memory.replay(filter, actor, clock.instant(), replayer, storage == null));
    }

    @Override
    public ActionResult delete(DeadLetterFilter filter, String actor) {
        Objects.requireNonNull(filter, "filter");
        AuditEntry.checkActor(actor);
        ActionResult stored = storage == null ? ActionResult.of(0, 0)
                : storage.call("deleting dead letters", () -> storage.store().deadLetters().delete(filter, actor, clock.instant()));
        return stored.plus(memory.delete(filter, actor, clock.instant(), storage == null));
    }

    @Override
    public ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(edit, "edit");
        AuditEntry.checkActor(actor);
        if (storage != null) {
            ActionResult stored = storage.call("replaying dead letter " + id + " edited",
                    () -> storage.store().deadLetters().replayEdited(id, edit, actor, clock.instant()));
            if (stored.touched() > 0) {
                wakeRecovery.run();
            }
            if (stored.touched() > 0 || stored.skipped() > 0) {
                return stored;
            }
        }
        return memory.replayEdited(id, edit, actor, clock.instant(), replayer, storage == null);
    }

    @Override
    public List<DeadLetter> list() {
        return query(DeadLetterFilter.all().notReplayed(), PageRequest.first(LIST_LIMIT)).items();
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        Optional<DeadLetter> stored = storage == null ? Optional.empty()
                : storage.call("finding dead letter " + id, () -> storage.store().deadLetters().find(id));
        return stored.isPresent() ? stored : memory.find(id);
    }

    @Override
    public boolean replay(UUID id) {
        return replay(DeadLetterFilter.ids(id), APPLICATION).touched() > 0;
    }

    @Override
    public int replayMessageType(String messageType) {
        return replay(DeadLetterFilter.builder().messageType(Objects.requireNonNull(messageType, "messageType")).build(), APPLICATION).touched();
    }

    @Override
    public int replayAll() {
        return replay(DeadLetterFilter.all(), APPLICATION).touched();
    }

    @Override
    public int purge() {
        return delete(DeadLetterFilter.all(), APPLICATION).touched();
    }

    /** Two pages of one request merged into one: both were read after the same position, in the same order. */
    static <T> Page<T> merge(PageRequest page, Page<T> a, Page<T> b, Function<T, PageRequest.Position> position) {
        if (b.items().isEmpty() && b.total() == 0) {
            return a;
        }
        List<T> all = new ArrayList<>(a.items());
        all.addAll(b.items());
        all.sort((x, y) -> page.order().compare(position.apply(x), position.apply(y)));
        boolean more = all.size() > page.limit() || a.hasNext() || b.hasNext();
        List<T> items = all.subList(0, Math.min(page.limit(), all.size()));
        String next = more && !items.isEmpty() ? page.cursorAfter(position.apply(items.get(items.size() - 1))) : null;
        return new Page<>(items, a.total() + b.total(), next);
    }
}
