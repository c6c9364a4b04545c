package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.Inbox;
import dev.agate.spi.MessageStore;
import dev.agate.spi.NodeRegistry;
import dev.agate.spi.Outbox;
import dev.agate.spi.ScheduledStore;
import dev.agate.spi.StoreAdmin;
import dev.agate.spi.StoreTransaction;
import java.util.function.Function;

/**
 * A {@link MessageStore} in memory, for fast tests of code that runs on a durable store: the same
 * semantics as the JDBC store, proven by the same {@link MessageStoreCompliance} kit, without a database.
 *
 * <p><b>What it promises.</b> Duplicates are recognized by id in any state; owner 0 means unowned; a claim
 * never hands one envelope to two claimers; scheduled envelopes become incoming when claimed; handled ones
 * are kept until their keep-until time; dead letters move, are queried, replayed (kept, marked), edited and replayed, deleted and expire;
 * scheduled envelopes are queried, cancelled and rescheduled; every action is audited; node ids are unique
 * and never 0, never reused; leases are timed by the system clock, and one node at a time holds the leader's. Envelopes are kept encoded, so what comes back is a copy with a body and no message object, as
 * from a database. Writes made through a {@link #begin() transaction} are invisible to everyone else until
 * {@link StoreTransaction#commit()}, which applies them all at once, and are dropped on rollback or close.
 * A commit fails with an {@link AgateException}, writing nothing, when an owner-checked
 * {@link Inbox#markHandled(StoreTransaction, java.util.UUID, int, java.time.Instant)} made in it no longer
 * holds (another node took the envelope meanwhile), or when an outgoing id it stores was stored meanwhile.
 *
 * <p><b>What it does not promise.</b> Nothing survives the process, and two instances share nothing: it
 * cannot stand in for a database shared by several processes or hosts. Transactions have no
 * {@link StoreTransaction#connection() connection}, so application writes cannot join them, and they
 * take no row locks: a concurrent change is detected at commit instead of waited for. An incoming envelope
 * that another transaction commits first is skipped at commit, as an insert that ignores duplicates would.
 *
 * <p><b>Design.</b> One lock guards all rows, the pending writes being applied, the life state and the
 * leader: every operation is short and in memory, so one lock is both fast enough and obviously
 * atomic. Each part ({@link #inbox()} ...) is a small class that does its work through {@link #withTables} and
 * {@link #write}. Thread-safe. Call {@link #start()} before use, as a host does; after {@link #close()}
 * every operation fails with an {@link AgateException}.
 */
public final class InMemoryMessageStore implements MessageStore {
    private enum Life { NEW, STARTED, CLOSED }

    private final Object lock = new Object();
    private final InMemoryTables tables = new InMemoryTables();
    private final String name;
    private final InMemoryInbox inbox = new InMemoryInbox(this);
    private final InMemoryOutbox outbox = new InMemoryOutbox(this);
    private final InMemoryDeadLetters deadLetters = new InMemoryDeadLetters(this);
    private final InMemoryScheduled scheduled = new InMemoryScheduled(this);
    private final InMemoryStoreAdmin admin = new InMemoryStoreAdmin(this);
    private final InMemoryNodes nodes = new InMemoryNodes(this, inbox, outbox, admin);
    private Life life = Life.NEW;

    /** A store named "in-memory message store". */
    public InMemoryMessageStore() {
        this("in-memory message store");
    }

    /** A store with a name of its own, for logs and errors when a test has several. */
    public InMemoryMessageStore(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        this.name = name;
    }

    @Override
    public String description() {
        return name + " (nothing survives the process)";
    }

    /** Makes the store usable. Idempotent; fails after {@link #close()}. */
    @Override
    public void start() {
        synchronized (lock) {
            if (life == Life.CLOSED) {
                throw new AgateException(name + " is closed and cannot start again");
            }
            life = Life.STARTED;
        }
    }

    @Override
    public Inbox inbox() {
        return inbox;
    }

    @Override
    public Outbox outbox() {
        return outbox;
    }

    @Override
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    @Override
    public ScheduledStore scheduled() {
        return scheduled;
    }

    @Override
    public NodeRegistry nodes() {
        return nodes;
    }

    @Override
    public StoreAdmin admin() {
        return admin;
    }

    /** A transaction whose writes are applied at commit; its {@code connection()} is empty. */
    @Override
    public StoreTransaction begin() {
        synchronized (lock) {
            checkRunning();
            return new InMemoryTransaction(this, new PendingWrites(tables));
        }
    }

    /** Drops every row and fails every later operation. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            life = Life.CLOSED;
            tables.clear();
        }
    }

    /** Runs {@code work} on the rows, under the lock. */
    <T> T withTables(Function<InMemoryTables, T> work) {
        synchronized (lock) {
            checkRunning();
            return work.apply(tables);
        }
    }

    /**
     * Runs {@code work}, which reads rows and records changes through the pending writes of
     * {@code transaction}; without a transaction, the changes are applied at once, under the same lock.
     */
    <T> T write(StoreTransaction transaction, Function<PendingWrites, T> work) {
        synchronized (lock) {
            checkRunning();
            if (transaction != null) {
                return work.apply(InMemoryTransaction.of(transaction, this).writes());
            }
            PendingWrites writes = new PendingWrites(tables);
            T result = work.apply(writes);
            writes.applyTo(tables);
            return result;
        }
    }

    /** Commits a transaction's writes: all or none. */
    void commit(PendingWrites writes) {
        synchronized (lock) {
            checkRunning();
            writes.applyTo(tables);
        }
    }

    private void checkRunning() {
        if (life == Life.NEW) {
            throw new IllegalStateException(name + " is not started: call start() first");
        }
        if (life == Life.CLOSED) {
            throw new AgateException(name + " is closed");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
