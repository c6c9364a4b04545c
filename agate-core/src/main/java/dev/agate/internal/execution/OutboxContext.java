package dev.agate.internal.execution;

import dev.agate.AgateException;
import dev.agate.OutboxTransaction;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.StoreTransaction;
import java.lang.ref.Cleaner;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unit of work of an application's own transaction (see {@link OutboxTransaction}): the root of what
 * is sent in it, with no envelope being handled. Unlike a handling, it writes durable sends at once, on
 * the application's connection, so they are in its transaction whoever commits it; buffered sends wait
 * in memory for the commit. The outbox of a block of {@code inTransaction} is the exception: see {@link #block}.
 * Not thread-safe, like the connection it writes on.
 */
final class OutboxContext extends ExecutionContext implements OutboxTransaction {
    private static final Logger log = LoggerFactory.getLogger(OutboxContext.class);
    private static final Cleaner LEAKS = Cleaner.create(AgateThreads.named("agate-outbox-leaks"));
    /** Whether an outbox notes where it was opened, for the log line when one is dropped: a stack per transaction, so only when asked. */
    static final boolean TRACE_LEAKS = Boolean.getBoolean("agate.outbox.traceLeaks");

    private final Lifecycle lifecycle;
    private final StoredSends storedSends;
    private final String serviceName;
    private final DurableStorage durable;
    private final Connection connection;
    private final StoreTransaction enlisted;
    private final Leak leak;
    private final Cleaner.Cleanable cleanable;
    /**
     * The outbox of a block of {@code inTransaction}, which commits through it: what is sent is written at the
     * commit, one statement per endpoint, the last carrying the COMMIT where the store can (one round trip
     * fewer); or earlier, when the block's code commits, rolls back or marks the transaction on the block's
     * connection ({@link BlockConnection}), whichever comes first.
     */
    private final boolean block;
    /** In a block: the connection its code works on; otherwise the application's. */
    private final Connection blockConnection;
    /** In a block: what was sent and not yet written, in order (serialized already). */
    private List<Delivery> unwritten = List.of();

    OutboxContext(EnvelopeExecutor executor, Collaborators services, Connection connection, StoreTransaction enlisted, boolean block) {
        super(executor, services, null, null, null);
        this.storedSends = executor.storedSends();
        this.lifecycle = services.lifecycle();
        this.serviceName = services.serviceName();
        this.durable = services.storage();
        this.connection = connection;
        this.enlisted = enlisted;
        this.leak = new Leak(durable, TRACE_LEAKS ? new Throwable("the outbox transaction was opened here") : null);
        this.cleanable = LEAKS.register(this, leak);
        this.block = block;
        this.blockConnection = block ? new BlockConnection(connection, this) : connection;
    }

    /** The connection for the code that sends through this outbox: see {@link #block}. */
    @Override
    public Connection connection() {
        return blockConnection;
    }

    @Override
    StoreTransaction transaction() {
        if (isFinished()) {
            throw new IllegalStateException("the outbox transaction has ended: send through it only while it is open");
        }
        return enlisted;
    }

    @Override
    StoreTransaction openTransaction() {
        return isFinished() ? null : enlisted;
    }

    @Override
    void hold(List<Delivery> deliveries) {
        lifecycle.checkRunning();
        if (block) {
            transaction(); // throws once ended, as a write would
            // Serialized now: a message that cannot be serialized fails the send that sent it, as when written now.
            List<Delivery> serialized = storedSends.serializeStored(deliveries);
            if (unwritten.isEmpty()) {
                unwritten = new ArrayList<>(serialized);
            } else {
                unwritten.addAll(serialized);
            }
            return;
        }
        write(deliveries);
    }

    /**
     * In a block: writes what was sent so far, before the block's code ends or marks the transaction on its
     * connection; {@code committing}: the code is about to commit it, which it may not when a write failed.
     * Several writes go in a savepoint, as at {@code send}: code that catches a failure here must not find some
     * of them written. A failure marks the transaction rollback-only, so that it cannot commit without them.
     */
    void flush(boolean committing) {
        if (isFinished()) {
            return;
        }
        if (!unwritten.isEmpty()) {
            List<Delivery> deliveries = unwritten;
            unwritten = List.of();
            try {
                write(deliveries);
            } catch (RuntimeException e) {
                markRollbackOnly("writing the messages sent in it failed: " + e.getMessage());
                throw e;
            }
        }
        String cannot = rollbackOnly();
        if (committing && cannot != null) {
            throw new AgateException("the transaction cannot commit, or its messages would not commit with it: " + cannot);
        }
    }

    /** Writes what must be stored of {@code deliveries} on the application's connection now, and holds them for the commit. */
    private void write(List<Delivery> deliveries) {
        if (storedCount(deliveries) > 1) {
            holdAllOrNothing(deliveries);
            return;
        }
        holdNow(deliveries); // one write at most: a statement fails whole, no savepoint needed
    }

    /** How many of the deliveries are written to the store now: to durable endpoints, or scheduled for later. */
    private int storedCount(List<Delivery> deliveries) {
        java.time.Instant now = durable.now();
        int stored = 0;
        for (Delivery delivery : deliveries) {
            if (StoredSends.isStored(delivery, now)) {
                stored++;
            }
        }
        return stored;
    }

    /** One message to several endpoints is written in a savepoint: if one write fails, none of them stays. */
    private void holdAllOrNothing(List<Delivery> deliveries) {
        java.sql.Savepoint savepoint;
        try {
            savepoint = connection.setSavepoint();
        } catch (java.sql.SQLException e) {
            throw new AgateException("setting a savepoint in the application's transaction failed: " + e.getMessage(), e);
        }
        try {
            holdNow(deliveries);
        } catch (RuntimeException e) {
            try {
                connection.rollback(savepoint);
            } catch (java.sql.SQLException undo) {
                e.addSuppressed(undo);
                markRollbackOnly("a send whose writes could not be undone failed: " + e.getMessage());
            }
            throw e;
        }
        try {
            connection.releaseSavepoint(savepoint);
        } catch (java.sql.SQLException e) {
            log.debug("releasing a savepoint failed; it ends with the transaction", e);
        }
    }

    private void holdNow(List<Delivery> deliveries) {
        holdNow(deliveries, true);
    }

    /** Writes and holds the deliveries; {@code note}: notes the rows written, for the leak check. */
    private void holdNow(List<Delivery> deliveries, boolean note) {
        java.time.Instant now = durable.now();
        int laterBefore = storedForLater.size();
        List<Delivery> toDeliver = storedSends.store(this::transaction, deliveries, storedForLater, true);
        if (note) {
            // The rows this transaction wrote: not those of a send repeated with its own message id.
            List<Delivery> written = new ArrayList<>(toDeliver);
            written.addAll(storedForLater.subList(laterBefore, storedForLater.size()));
            noteWritten(written, now);
        }
        super.hold(toDeliver);
    }

    /** Notes the ids of rows written in this transaction, for the leak check ({@link Leak}). */
    private void noteWritten(List<Delivery> deliveries, java.time.Instant now) {
        for (Delivery delivery : deliveries) {
            if (StoredSends.isStored(delivery, now)) {
                (StoredSends.isOutgoing(delivery, now) ? leak.storedOutgoing : leak.stored).add(delivery.envelope().id());
            }
        }
    }

    @Override
    public void beforeCommit() {
        if (isFinished()) {
            throw new IllegalStateException("the outbox transaction has ended already");
        }
        String cannot = rollbackOnly();
        if (cannot == null && !lifecycle.isRunning()) {
            cannot = "host '" + serviceName + "' closed while the transaction was open, so nothing can be sent";
        }
        if (cannot != null) {
            throw new AgateException("the application's transaction cannot commit: " + cannot);
        }
        enlisted.checkCommittable();
    }

    @Override
    public void commit() {
        commit(() -> { });
    }

    /** {@link #commit()}, running {@code afterDatabaseCommit} between the database's commit and the hand-over of what was sent. */
    void commit(Runnable afterDatabaseCommit) {
        try {
            beforeCommit();
        } catch (AgateException e) {
            rollback();
            throw new AgateException(e.getMessage() + "; it was rolled back and nothing was sent", e);
        }
        try {
            writeUnwritten();
            enlisted.commit(); // after a write that carried the COMMIT, only ends the transaction (the driver sends nothing)
        } catch (RuntimeException e) {
            end();
            discard();
            unwritten = List.of();
            // A write before the COMMIT failed, and the transaction is open (on MariaDB and SQLite, healthy): it must not
            // be committed by whatever ends the connection next. After a failed COMMIT this does nothing.
            enlisted.rollback();
            // A driver may report a failure after the commit itself worked (sqlite-jdbc begins the next
            // transaction inside commit()): then the rows are there, and the agent must find them.
            leak.releaseLater();
            throw e instanceof AgateException ? e : new AgateException("committing the application's transaction failed: " + e.getMessage(), e);
        }
        try {
            afterDatabaseCommit.run();
        } finally {
            afterCommit();
        }
    }

    /**
     * In a block, at its commit: writes what it sent, one statement per endpoint, without a savepoint (a failure
     * rolls the whole transaction back). When that is one statement, the store is asked to send the COMMIT with
     * it; then the ids are noted for the leak check before the write, because a write that fails may have
     * committed all the same. (A send repeated with its own message id, whose row was there already, is noted
     * too: releasing that row lets another node handle it while this one may be doing so, and the owner-checked
     * mark keeps the handling's effects to one.)
     */
    private void writeUnwritten() {
        if (unwritten.isEmpty()) {
            return;
        }
        List<Delivery> deliveries = unwritten;
        unwritten = List.of();
        java.time.Instant now = durable.now();
        boolean withCommit = oneWrite(deliveries, now) && enlisted.commitWithNextWrite();
        if (withCommit) {
            noteWritten(deliveries, now);
        }
        holdNow(deliveries, !withCommit);
    }

    /** Whether the stored ones among {@code deliveries} are one write of {@link StoredSends#store}: one endpoint, one table. */
    private static boolean oneWrite(List<Delivery> deliveries, java.time.Instant now) {
        Delivery first = null;
        for (Delivery delivery : deliveries) {
            if (!StoredSends.isStored(delivery, now)) {
                continue;
            }
            if (first == null) {
                first = delivery;
            } else if (delivery.endpoint() != first.endpoint() || StoredSends.isOutgoing(delivery, now) != StoredSends.isOutgoing(first, now)) {
                return false;
            }
        }
        return first != null;
    }

    @Override
    public void rollback() {
        if (isFinished()) {
            return;
        }
        end();
        discard();
        unwritten = List.of();
        enlisted.rollback();
    }

    @Override
    public void afterCommit() {
        if (isFinished()) {
            return;
        }
        end();
        deliverAfterCommit(takePending());
    }

    @Override
    public void afterRollback() {
        if (isFinished()) {
            return;
        }
        end();
        discard();
    }

    /**
     * Rolls back what was not committed; then, in case the application committed the connection behind
     * the outbox's back, gives the rows written here to any node, so the durability agent delivers them
     * (for rows that were rolled back, that finds nothing).
     */
    @Override
    public void close() {
        if (isFinished()) {
            return;
        }
        rollback();
        leak.releaseLater(); // later: the caller still holds its connection, and on SQLite maybe the write lock
    }

    private void end() {
        leak.ended.set(true);
        cleanable.clean();
    }

    /** What the cleaner needs when an outbox is dropped without being ended: never a reference to the outbox. */
    private static final class Leak implements Runnable {
        final AtomicBoolean ended = new AtomicBoolean();
        final List<UUID> stored = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<UUID> storedOutgoing = java.util.Collections.synchronizedList(new ArrayList<>());
        private final DurableStorage durable;
        private final Throwable openedAt;

        Leak(DurableStorage durable, Throwable openedAt) {
            this.durable = durable;
            this.openedAt = openedAt;
        }

        @Override
        public void run() {
            if (ended.get()) {
                return;
            }
            if (openedAt != null) {
                log.error("an outbox transaction was dropped without commit(), rollback() or close(); {} message(s) written in it"
                        + " are given to the durability agent, in case its connection was committed", stored.size() + storedOutgoing.size(),
                        openedAt);
            } else {
                log.error("an outbox transaction was dropped without commit(), rollback() or close(); {} message(s) written in it"
                        + " are given to the durability agent, in case its connection was committed (start the JVM with"
                        + " -Dagate.outbox.traceLeaks=true to log where it was opened)", stored.size() + storedOutgoing.size());
            }
            releaseLater();
        }

        /** Gives the rows written in the transaction to any node, in case it was committed after all; finds nothing otherwise. */
        void releaseLater() {
            if (!stored.isEmpty()) {
                durable.releaseLater(List.copyOf(stored));
            }
            if (!storedOutgoing.isEmpty()) {
                durable.releaseOutgoingLater(List.copyOf(storedOutgoing), 0);
            }
        }
    }
}
