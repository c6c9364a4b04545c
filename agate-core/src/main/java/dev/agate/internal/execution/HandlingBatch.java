package dev.agate.internal.execution;

import dev.agate.Envelope;
import dev.agate.Outgoing;
import dev.agate.SerializationException;
import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.UnknownMessageTypeException;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.handlers.Cascades;
import dev.agate.internal.handlers.HandlerChain;
import dev.agate.internal.handlers.HandlerGraph;
import dev.agate.internal.handlers.HandlerMethod;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.MessageTracer;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the envelopes one worker of a durable endpoint takes one after another in one transaction: each
 * handler runs in a context of its own that shares the batch's transaction, one statement marks them all
 * handled (checked against this node's ownership), one COMMIT makes their effects, their sends and their marks
 * durable together. A batch grows while envelopes are ready at once, up to {@link dev.agate.Durability#handlingBatchSize}
 * envelopes and {@link #TIME_BUDGET_NANOS} of handling (counted from when its transaction was opened, so not the
 * wait for a pooled connection), so a slow handler does not keep the others waiting long.
 *
 * <p>Failures never leak from one handling into another:
 * <ul>
 *   <li>A handler that fails rolls the whole batch back. The handlings before it run again, as a batch of their
 *       own (their effects were undone, so they happen once); its own failed attempt counts, and the error
 *       policies take it from there, as if it had been handled alone.</li>
 *   <li>When the mark finds an envelope that is no longer this node's, the batch rolls back; the envelopes
 *       still this node's are handled again as a batch, the others are left to the node that has them.</li>
 *   <li>When the store fails (the mark or the COMMIT), the batch rolls back and each envelope is tried again
 *       after the store's pause, its attempt not counted.</li>
 * </ul>
 * Envelopes that need care of their own (suspected of crashing the process, expired, unreadable, without a
 * handler, or met after a fatal error) end the batch and are handled alone.
 *
 * <p>Why roll back rather than a savepoint per handling: a savepoint costs a statement (and on PostgreSQL a
 * subtransaction) for every envelope, where a failure is rare; a rollback costs the batch's handlings once more
 * only when one fails. Effects outside the transaction (a call to another system) of the handlings before a
 * failed one do happen again, as they do for any handling that is tried again. One worker thread; not reused.
 */
final class HandlingBatch {
    private static final Logger log = LoggerFactory.getLogger(HandlingBatch.class);
    /** A batch stops growing after this much handling time, and commits. */
    static final long TIME_BUDGET_NANOS = 20_000_000;

    private final EnvelopeExecutor executor;
    private final Collaborators services;
    private final HandlerGraph handlers;
    private final EnvelopeBodies bodies;
    private final Endpoint origin;
    private final URI uri;
    private final DurableStorage storage;
    private final int maxSize;

    /** A handling that succeeded in the batch: {@code envelope} as taken, {@code attempted} with its attempt counted. */
    private record Member(Envelope envelope, Envelope attempted, HandlerChain chain, Object message, List<Delivery> owed) {
    }

    /**
     * How a batch ended: envelopes to handle again as a batch ({@code again}), then failed attempts for the
     * error policies ({@code failed}), then one envelope that could not join ({@code notBatched}).
     */
    private record Ended(List<Envelope> again, List<Failed> failed, Envelope notBatched) {
        static Ended with(Envelope notBatched) {
            return new Ended(List.of(), List.of(), notBatched);
        }
    }

    private record Failed(HandlerChain chain, Object message, Envelope attempted, EnvelopeExecutor.Outcome outcome) {
    }

    HandlingBatch(EnvelopeExecutor executor, Collaborators services, HandlerGraph handlers, EnvelopeBodies bodies, Endpoint origin) {
        this.executor = executor;
        this.services = services;
        this.handlers = handlers;
        this.bodies = bodies;
        this.origin = origin;
        this.uri = origin.uri();
        this.storage = services.storage();
        this.maxSize = storage.settings().handlingBatchSize();
    }

    /** Handles {@code first} and what {@code next} hands out while the batch grows; every envelope taken ends here. */
    void run(Envelope first, Supplier<Envelope> next) {
        settle(batch(first, next));
    }

    private void settle(Ended ended) {
        if (!ended.again().isEmpty()) {
            runAll(ended.again());
        }
        for (Failed failed : ended.failed()) {
            executor.attempts(failed.chain(), failed.message(), failed.attempted(), origin, failed.outcome());
        }
        if (ended.notBatched() != null) {
            executor.handle(ended.notBatched(), origin);
        }
    }

    private void runAll(List<Envelope> envelopes) {
        Iterator<Envelope> rest = envelopes.iterator();
        Supplier<Envelope> next = () -> rest.hasNext() ? rest.next() : null;
        while (rest.hasNext()) {
            settle(batch(rest.next(), next));
        }
    }

    private Ended batch(Envelope first, Supplier<Envelope> next) {
        SharedTransaction shared = new SharedTransaction(storage);
        List<Member> members = new ArrayList<>();
        long started = System.nanoTime();
        Envelope envelope = first;
        try {
            while (envelope != null) {
                if (!executor.batchable(envelope)) {
                    return end(shared, members, envelope);
                }
                Object message;
                try {
                    message = bodies.messageOf(envelope);
                } catch (SerializationException | UnknownMessageTypeException e) {
                    return end(shared, members, envelope); // dead-lettered alone, with the reason
                }
                HandlerChain chain = handlers.chainFor(message.getClass());
                if (chain.isEmpty()) {
                    return end(shared, members, envelope);
                }
                Envelope attempted = envelope.withAttempts(envelope.attempts() + 1);
                services.observers().emit(Kind.STARTED, attempted, uri);
                ExecutionContext context = new ExecutionContext(executor, services, attempted, null, origin, shared);
                Throwable failure = null;
                HandlerMethod failedHandler = null;
                // The span covers this envelope's handlers and what they send; the commit is the batch's.
                MessageTracer.Span span = services.observers().tracing().process(attempted, uri);
                try (LogContext logged = LogContext.of(attempted)) {
                    context.beginAttempt();
                    context.cascade(Cascades.flatten(chain.invoke(message, context, attempted)));
                    members.add(new Member(envelope, attempted, chain, message, context.completeInBatch()));
                    failure = null;
                } catch (HandlerChain.Failure handlerFailure) {
                    failure = handlerFailure.getCause();
                    failedHandler = handlerFailure.handler();
                } catch (RuntimeException | Error e) {
                    failure = e;
                } finally {
                    if (failure != null) {
                        span.failed(failure);
                    }
                    span.end();
                }
                if (failure != null) {
                    context.discardQuietly(failure);
                    services.observers().emit(Kind.FAILED, attempted, uri, failure, failure.toString());
                    shared.rollback(failure);
                    return new Ended(envelopes(members),
                            List.of(new Failed(chain, message, attempted, new EnvelopeExecutor.Outcome(failure, failedHandler, null))), null);
                }
                // Handling time only: a wait for a pooled connection (the application's pool may be busy) is not spent
                // on the batch, and counting it would shrink batches to one just when the pool is scarce.
                long since = Math.max(started, shared.openedAt());
                if (members.size() >= maxSize || System.nanoTime() - since >= TIME_BUDGET_NANOS) {
                    break;
                }
                envelope = next.get();
            }
            return end(shared, members, null);
        } catch (RuntimeException | Error unexpected) {
            shared.rollback(unexpected); // the transaction must not stay open with its locks
            throw unexpected;
        }
    }

    /** Marks the members handled and commits; then delivers what they sent. */
    private Ended end(SharedTransaction shared, List<Member> members, Envelope notBatched) {
        if (members.isEmpty()) {
            shared.rollback(null);
            return Ended.with(notBatched);
        }
        List<Delivery> sent = new ArrayList<>();
        members.forEach(m -> sent.addAll(m.owed()));
        List<Delivery> later = new ArrayList<>(0);
        List<Delivery> toDeliver;
        try {
            // What they all sent that must be stored, in one write per endpoint (it opens the transaction if none did).
            toDeliver = sent.isEmpty() ? sent : executor.storedSends().store(shared::get, sent, later, false);
        } catch (StoreUnavailableException e) {
            return storeFailed(shared, members, e, notBatched);
        }
        StoreTransaction transaction = shared.openOrNull();
        if (transaction == null) {
            // No handler wrote anything: the marks may wait, batched with other workers' (as for one envelope).
            members.forEach(m -> storage.markHandledLater(m.envelope()));
        } else {
            List<Envelope> handled = envelopes(members);
            try {
                int marked = storage.markHandled(transaction, handled);
                if (marked != handled.size()) {
                    shared.rollback(null);
                    return new Ended(stillOwned(members), List.of(), notBatched);
                }
                executor.storedSends().commit(transaction, toDeliver, "committing the handling of " + handled.size() + " envelopes");
                shared.ended();
            } catch (StoreUnavailableException e) {
                return storeFailed(shared, members, e, notBatched);
            } catch (RuntimeException | Error e) {
                // The JVM's own error in the mark or the COMMIT (out of memory, say): every attempt of the batch failed with it.
                shared.rollback(e);
                List<Failed> failed = new ArrayList<>();
                for (Member member : members) {
                    services.observers().emit(Kind.FAILED, member.attempted(), uri, e, e.toString());
                    failed.add(new Failed(member.chain(), member.message(), member.attempted(), new EnvelopeExecutor.Outcome(e, null, null)));
                }
                return new Ended(List.of(), failed, notBatched);
            }
        }
        later.forEach(d -> services.observers().emit(Kind.SCHEDULED, d.envelope(), d.endpoint().uri()));
        if (!toDeliver.isEmpty()) {
            services.dispatcher().deliverOwed(toDeliver, origin);
        }
        for (Member member : members) {
            services.observers().emit(Kind.SUCCEEDED, member.attempted(), uri);
        }
        return Ended.with(notBatched);
    }

    /** The store failed while the batch ended: rolled back, each envelope tried again after the store's pause, its attempt not counted. */
    private Ended storeFailed(SharedTransaction shared, List<Member> members, StoreUnavailableException e, Envelope notBatched) {
        shared.rollback(e);
        log.warn("{} envelopes handled together at {} wait for the message store: {}", members.size(), uri, e.getMessage());
        for (Member member : members) {
            services.observers().emit(Kind.FAILED, member.attempted(), uri, e, e.toString());
            executor.afterStoreFailure(member.envelope(), origin);
        }
        return Ended.with(notBatched);
    }

    /**
     * After a mark found some envelopes of the batch no longer this node's (rolled back already): those are
     * discarded here, as a handling alone would be; the others are returned, to be handled again.
     */
    private List<Envelope> stillOwned(List<Member> members) {
        Set<UUID> owned = new HashSet<>();
        storage.loadOwned(envelopes(members).stream().map(Envelope::id).toList()).forEach(e -> owned.add(e.id()));
        List<Envelope> again = new ArrayList<>();
        for (Member member : members) {
            if (owned.contains(member.envelope().id())) {
                again.add(member.envelope());
            } else {
                executor.notOwned(member.attempted(), uri);
            }
        }
        return again;
    }

    private static List<Envelope> envelopes(List<Member> members) {
        List<Envelope> envelopes = new ArrayList<>(members.size());
        members.forEach(m -> envelopes.add(m.envelope()));
        return envelopes;
    }
}
