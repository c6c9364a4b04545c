package dev.agate.internal.execution;

import dev.agate.DeliveryOptions;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.MessageContext;
import dev.agate.Outgoing;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unit of work of one handling attempt. Sends are routed at once (so a bad route fails the handler
 * that asked for it) but held in {@code pending} until {@link #commit()}; {@link #discard()} forgets them.
 * After either, the context refuses further use: a send from a handler's leftover thread must not vanish.
 * A context belongs to the thread that runs the handler; it is not thread-safe.
 *
 * <p>With a message store, the context opens a store transaction when first needed: when the handler
 * asks for {@link #connection()}, or when something it sends must be stored (to a durable endpoint, or
 * scheduled for later). {@link #complete()} then writes those sends and, for an envelope from a durable
 * endpoint, the mark that it was handled (checked against this node's ownership) in that transaction and
 * commits it, so the handler's own writes, its cascades and the mark commit or roll back together. A
 * nested {@code invoke} shares its parent's transaction. When the store's transactions are bound to the
 * thread (Spring), a durable envelope's transaction is opened before its handlers run, so that what they
 * do through the thread's transaction joins it. {@link OutboxContext} is the root of an application's
 * transaction instead of a handling.
 *
 * <p>A nested attempt whose parent's transaction is already open works inside a savepoint, so a failed
 * attempt (which its error policy may retry) undoes its own writes and nothing of its parent's; a
 * transaction that the failed attempt itself opened is rolled back whole. A store whose transactions have
 * no JDBC connection gets no savepoint: there, a failed nested attempt's writes stay in the transaction.
 */
class ExecutionContext implements MessageContext {
    private static final Logger log = LoggerFactory.getLogger(ExecutionContext.class);
    /** Runs a nested {@code invoke} and stores what must be stored: the one two-way tie of this package (an invoke inside a handler runs the executor again). */
    private final EnvelopeExecutor executor;
    private final Collaborators services;
    private final Envelope envelope;
    private final ExecutionContext parent;
    /** The endpoint whose worker runs this unit of work, or null for invoke. */
    private final Endpoint origin;
    private List<Delivery> pending = List.of();
    private boolean finished;
    /** Opened on first need; always null in a nested context, which uses its parent's. */
    private StoreTransaction transaction;
    /** A nested attempt's savepoint in its parent's transaction; null when there is none. */
    private java.sql.Savepoint savepoint;
    private boolean parentTransactionWasOpen;
    /** Set on the root when a nested attempt could not be undone: its transaction may not commit. */
    private String rollbackOnly;
    /** Scheduled sends written to the store by commit(), announced once it succeeded. */
    final List<Delivery> storedForLater = new ArrayList<>(0);
    /** The transaction of the batch this handling belongs to (see {@link HandlingBatch}), or null. */
    private final SharedTransaction shared;

    ExecutionContext(EnvelopeExecutor executor, Collaborators services, Envelope envelope, ExecutionContext parent, Endpoint origin) {
        this(executor, services, envelope, parent, origin, null);
    }

    /** A root context whose transaction is {@code shared} with the other handlings of a batch. */
    ExecutionContext(EnvelopeExecutor executor, Collaborators services, Envelope envelope, ExecutionContext parent, Endpoint origin,
                     SharedTransaction shared) {
        this.executor = executor;
        this.services = services;
        this.envelope = envelope;
        this.parent = parent;
        this.origin = origin;
        this.shared = shared;
    }

    private List<Delivery> pending() {
        if (finished) {
            throw new IllegalStateException(envelope == null ? "the outbox transaction has ended: send through it only while it is open"
                    : "the message context of envelope " + envelope.id() + " (" + envelope.messageType()
                    + ") is finished: use it only while its handler runs");
        }
        if (!(pending instanceof ArrayList)) {
            pending = new ArrayList<>(4);
        }
        return pending;
    }

    @Override
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public Connection connection() {
        return resource(Connection.class);
    }

    @Override
    public <T> T resource(Class<T> type) {
        pending(); // refuses a finished context
        return transaction().resource(type).orElseThrow(() -> new IllegalStateException("the transactions of message store "
                + services.storage().store().description() + " offer no " + type.getName()));
    }

    /**
     * Prepares the transaction before the handlers run: opens it when the store binds it to the thread, and
     * sets a savepoint in the parent's open transaction for a nested attempt (see the class comment).
     */
    void beginAttempt() {
        DurableStorage durable = services.storage();
        if (durable == null) {
            return;
        }
        if (parent == null) {
            if (shared != null) {
                if (origin != null && origin.mode() == EndpointMode.DURABLE && durable.store().transactionBoundToThread()) {
                    shared.get();
                }
                return;
            }
            if (transaction == null && origin != null && origin.mode() == EndpointMode.DURABLE && durable.store().transactionBoundToThread()) {
                transaction = durable.begin(true);
            }
            return;
        }
        StoreTransaction shared = parent.openTransaction();
        parentTransactionWasOpen = shared != null;
        Connection connection = shared == null ? null : shared.connection().orElse(null);
        if (connection != null) {
            try {
                savepoint = connection.setSavepoint();
            } catch (java.sql.SQLException e) {
                throw new StoreUnavailableException("setting a savepoint for envelope " + envelope.id() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The transaction if it is open, without opening it. */
    StoreTransaction openTransaction() {
        return parent != null ? parent.openTransaction() : shared != null ? shared.openOrNull() : transaction;
    }

    /**
     * Undoes a failed nested attempt's writes: to its savepoint, or the whole transaction if the attempt
     * opened it. When that fails (the database dropped the whole transaction: a MariaDB deadlock, say), the
     * root may not commit: what is left of its transaction is not what its code wrote.
     */
    private void undoNestedAttempt() {
        try {
            if (savepoint != null) {
                parent.openTransaction().connection().orElseThrow().rollback(savepoint);
            } else if (!parentTransactionWasOpen) {
                parent.rollbackOpenedTransaction();
            }
        } catch (java.sql.SQLException | RuntimeException e) {
            String reason = "undoing the failed attempt of envelope " + envelope.id() + " (" + envelope.messageType()
                    + ") in the shared transaction failed: " + e.getMessage();
            log.warn("{}; the transaction can only be rolled back now", reason);
            parent.markRollbackOnly(reason);
        } finally {
            savepoint = null;
        }
    }

    /** A nested attempt that succeeded keeps its writes; its savepoint is no longer needed (each one costs PostgreSQL a subtransaction). */
    private void releaseSavepoint() {
        if (savepoint == null) {
            return;
        }
        try {
            parent.openTransaction().connection().orElseThrow().releaseSavepoint(savepoint);
        } catch (java.sql.SQLException | RuntimeException e) {
            log.debug("releasing the savepoint of envelope {} failed; it ends with the transaction", envelope.id(), e);
        } finally {
            savepoint = null;
        }
    }

    void markRollbackOnly(String reason) {
        if (parent != null) {
            parent.markRollbackOnly(reason);
        } else if (rollbackOnly == null) {
            rollbackOnly = reason;
        }
    }

    /** Why the root's transaction may only be rolled back, or null. */
    String rollbackOnly() {
        return parent != null ? parent.rollbackOnly() : rollbackOnly;
    }

    private void rollbackOpenedTransaction() {
        if (parent != null) {
            parent.rollbackOpenedTransaction();
        } else if (shared != null) {
            shared.rollback(null); // a nested attempt opened it: no earlier handling of the batch wrote in it
        } else if (transaction != null) {
            transaction.rollback();
            transaction = null;
        }
    }

    StoreTransaction transaction() {
        if (parent != null) {
            return parent.transaction();
        }
        if (shared != null) {
            return shared.get();
        }
        DurableStorage durable = services.storage();
        if (durable == null) {
            throw new IllegalStateException("host '" + services.serviceName() + "' has no message store, so a handler has no"
                    + " transaction to work in: configure AgateHost.builder().store(...)");
        }
        if (transaction == null) {
            transaction = durable.begin(origin != null && origin.mode() == EndpointMode.DURABLE);
        }
        return transaction;
    }

    @Override
    public void send(Object message) {
        send(message, DeliveryOptions.none());
    }

    @Override
    public void send(Object message, DeliveryOptions options) {
        hold(services.addressing().route(message, options, envelope, true, null));
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        hold(List.of(services.addressing().address(endpoint, message, options, envelope, null)));
    }

    @Override
    public void respond(Object message) {
        if (envelope == null || envelope.replyTo() == null) {
            throw new IllegalStateException(envelope == null ? "there is no envelope to respond to outside a handler"
                    : "envelope " + envelope.id() + " (" + envelope.messageType() + ") from " + envelope.source()
                    + " has no reply-to address: its sender does not listen for answers");
        }
        hold(List.of(services.addressing().address(envelope.replyTo(), message, DeliveryOptions.none(), envelope, null)));
    }

    @Override
    public void publish(Object message) {
        publish(message, DeliveryOptions.none());
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        hold(services.addressing().route(message, options, envelope, false, null));
    }

    @Override
    public void invoke(Object message) {
        executor.invoke(message, null, this);
    }

    @Override
    public <T> T invoke(Object message, Class<T> responseType) {
        return responseType.cast(executor.invoke(message, responseType, this));
    }

    @Override
    public void schedule(Object message, Instant time) {
        schedule(message, time, DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Duration delay) {
        schedule(message, services.clock().instant().plus(delay), DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Instant time, DeliveryOptions options) {
        hold(services.addressing().route(message, options, envelope, true, time));
    }

    /** Adds what the handlers returned. */
    void cascade(List<Outgoing> cascades) {
        if (cascades.isEmpty()) {
            return;
        }
        Instant now = services.clock().instant();
        for (Outgoing outgoing : cascades) {
            Instant at = outgoing.scheduledTimeFrom(now);
            if (outgoing.endpoint() != null) {
                hold(List.of(services.addressing().address(outgoing.endpoint(), outgoing.message(), outgoing.options(), envelope, at)));
            } else {
                hold(services.addressing().route(outgoing.message(), outgoing.options(), envelope, true, at));
            }
        }
    }

    /** Keeps what was sent until the unit of work ends. */
    void hold(List<Delivery> deliveries) {
        pending().addAll(deliveries);
    }

    /**
     * Ends the unit of work: stores what must be stored, marks a durable envelope handled, commits, then
     * delivers the rest (owed: that never fails). A nested context hands everything to its parent.
     *
     * @return false when this node no longer owns the durable envelope (another node took it over, or it
     *         was handled already): everything was rolled back and nothing is delivered
     * @throws StoreUnavailableException when the store failed; everything was rolled back
     */
    boolean complete() {
        List<Delivery> owed = pending;
        if (parent != null) {
            finish();
            try {
                parent.hold(owed);
            } catch (RuntimeException | Error e) {
                undoNestedAttempt(); // what was written of the cascades before the failure must not stay
                throw e;
            }
            releaseSavepoint();
            return true;
        }
        DurableStorage durable = services.storage();
        if (durable == null) {
            finish();
            if (!owed.isEmpty()) {
                services.dispatcher().deliverOwed(owed, origin);
            }
            return true;
        }
        List<Delivery> toDeliver;
        try {
            if (rollbackOnly != null) {
                throw new dev.agate.AgateException(rollbackOnly);
            }
            if (transaction != null) {
                // The handler's own doing (an SQL error it caught, a rollback-only mark): a failed attempt, not
                // a store outage, so the error policies see it rather than an endless "try again later".
                transaction.checkCommittable();
            }
            toDeliver = owed.isEmpty() ? owed : executor.storedSends().store(this::transaction, owed, storedForLater, false);
            boolean durableOrigin = origin != null && origin.mode() == EndpointMode.DURABLE;
            if (durableOrigin && transaction != null && !durable.markHandled(transaction, envelope)) {
                discard();
                return false;
            }
            if (transaction != null) {
                executor.storedSends().commit(transaction, toDeliver, "committing the handling of envelope " + envelope.id());
                transaction = null;
            } else if (durableOrigin) {
                durable.markHandledLater(envelope);
            }
        } catch (RuntimeException | Error e) {
            // An Error too (out of memory in the driver, say): the transaction must not stay open with its locks.
            discardQuietly(e);
            throw e;
        }
        finish();
        deliverAfterCommit(toDeliver);
        return true;
    }

    /**
     * Ends a handling of a batch and returns what it sent, serialized: the batch writes what must be stored
     * for all its handlings at once (one statement per endpoint), marks them handled and commits, then
     * delivers. A failure here is this handling's (the batch rolls back and handles the others again).
     */
    List<Delivery> completeInBatch() {
        List<Delivery> owed = pending;
        finish();
        if (rollbackOnly != null) {
            throw new dev.agate.AgateException(rollbackOnly);
        }
        StoreTransaction open = shared.openOrNull();
        if (open != null) {
            open.checkCommittable(); // the handler's own doing: see complete()
        }
        return owed.isEmpty() ? owed : executor.storedSends().serializeStored(owed);
    }

    /** Announces what was stored for later and delivers the rest; never throws. Not used in a batch, which delivers for all. */
    void deliverAfterCommit(List<Delivery> toDeliver) {
        storedForLater.forEach(d -> services.observers().emit(dev.agate.spi.MessageEvent.Kind.SCHEDULED, d.envelope(), d.endpoint().uri()));
        storedForLater.clear();
        if (!toDeliver.isEmpty()) {
            services.dispatcher().deliverOwed(toDeliver, origin);
        }
    }

    /** {@link #discard()} after {@code failure}; a failure of the rollback itself is added to it, not thrown. */
    void discardQuietly(Throwable failure) {
        try {
            discard();
        } catch (RuntimeException | Error rollback) {
            failure.addSuppressed(rollback);
        }
    }

    /** Forgets what was collected and rolls back the transaction, if one was opened. */
    void discard() {
        finish();
        if (parent != null) {
            undoNestedAttempt();
        } else if (transaction != null) { // never in a batch, whose transaction the batch rolls back
            transaction.rollback();
            transaction = null;
        }
    }

    /** Ends the unit of work and returns what it held. */
    List<Delivery> takePending() {
        List<Delivery> owed = pending;
        finish();
        return owed;
    }

    boolean isFinished() {
        return finished;
    }

    private void finish() {
        finished = true;
        pending = List.of();
    }
}
