package dev.agate.internal.execution;

import dev.agate.AgateException;
import dev.agate.DeliveryOptions;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.NoRouteException;
import dev.agate.Outgoing;
import dev.agate.SerializationException;
import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.Observers;
import dev.agate.internal.UnknownMessageTypeException;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.endpoint.EnvelopeHandler;
import dev.agate.internal.handlers.Cascades;
import dev.agate.internal.handlers.HandlerChain;
import dev.agate.internal.handlers.HandlerGraph;
import dev.agate.internal.handlers.HandlerMethod;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.MessageTracer;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs handlers and applies the error policies, for envelopes delivered by endpoints ({@link #handle})
 * and for {@code invoke} ({@link #invoke}).
 *
 * <p>One attempt: count it, run every handler of the message's chain in a fresh {@link ExecutionContext}
 * and route what they returned. If that throws, the attempt failed and the error policies decide. If it
 * succeeds, the cascades are owed: they are delivered after the attempt, and a delivery problem (a full
 * queue, a stopped endpoint) never turns the success into a retry, which would run the handlers again.
 *
 * <p>Retries now and after a cooldown loop on the current thread; everything else ends this call: the
 * envelope is requeued, scheduled, dead-lettered or discarded. A body that cannot be read, a message type
 * with no handler, and a {@link NoRouteException} are dead-lettered at once: no retry can fix them. When the
 * host is stopping after its shutdown timeout, an interrupted attempt is abandoned. Every envelope handed
 * to {@link #handle} ends in exactly one final event. Stateless; called concurrently by every worker.
 */
public final class EnvelopeExecutor implements EnvelopeHandler {
    private static final Logger log = LoggerFactory.getLogger(EnvelopeExecutor.class);
    /** The executor whose handler is running on this thread, so close() from inside a handler is refused. */
    private static final ThreadLocal<EnvelopeExecutor> HANDLING = new ThreadLocal<>();

    private final Collaborators services;
    private final HandlerGraph handlers;
    private final EnvelopeBodies bodies;
    private final DeadLettering deadLetters;
    private final Observers observers;
    private final Retries retries;
    /** Null for a host without a store. */
    private final StoredSends storedSends;

    public EnvelopeExecutor(Collaborators services, HandlerGraph handlers, EnvelopeBodies bodies, DeadLettering deadLetters) {
        this.services = services;
        this.handlers = handlers;
        this.bodies = bodies;
        this.deadLetters = deadLetters;
        this.observers = services.observers();
        this.retries = new Retries(services);
        this.storedSends = services.storage() == null ? null : new StoredSends(services.storage());
    }

    /** Writes what a unit of work sends that must be stored before its commit; null for a host without a store. */
    StoredSends storedSends() {
        return storedSends;
    }

    /** True when this thread is running a handler of this executor's host. */
    public boolean isHandlingOnThisThread() {
        return HANDLING.get() == this;
    }

    /**
     * Opens the transactional outbox on the application's {@code connection} (see
     * {@link dev.agate.AgateHost#outbox(java.sql.Connection)}); {@code block}: for the block of
     * {@link dev.agate.AgateHost#inTransaction}, which commits through it ({@link OutboxBlock}).
     *
     * @throws IllegalStateException when the host has no message store
     */
    public OutboxBlock outbox(java.sql.Connection connection, boolean block) {
        services.lifecycle().checkRunning();
        DurableStorage storage = services.storage();
        if (storage == null) {
            throw new IllegalStateException("host '" + services.serviceName() + "' has no message store, so it has no outbox: configure"
                    + " AgateHost.builder().store(...) on the application's database, or make a local queue durable");
        }
        OutboxContext outbox = new OutboxContext(this, services, connection, storage.enlist(connection), block);
        return new OutboxBlock(outbox, outbox.connection());
    }

    /**
     * Handles envelopes of a durable endpoint in batches that share one transaction ({@link HandlingBatch});
     * one by one when batches are off ({@link dev.agate.Durability#handlingBatchSize} 1) or the endpoint is
     * not durable.
     */
    @Override
    public void handleBatch(Envelope first, java.util.function.Supplier<Envelope> next, Endpoint origin) {
        if (!services.isDurable(origin) || services.storage().settings().handlingBatchSize() <= 1) {
            handle(first, origin);
            return;
        }
        EnvelopeExecutor outer = HANDLING.get();
        HANDLING.set(this);
        try {
            new HandlingBatch(this, services, handlers, bodies, origin).run(first, next);
        } catch (RuntimeException | Error e) {
            // Only an infrastructure failure gets here, as in handle(): the batch rolled back; what it held stays this node's in the store.
            services.lifecycle().failIfFatal("handling a batch of envelopes from " + origin.uri(), e);
            log.error("could not finish a batch of envelopes from {} (the first {}); abandoned, they stay in the store", origin.uri(),
                    first.id(), e);
        } finally {
            HANDLING.set(outer);
        }
    }

    /** Whether an envelope may join a batch: the others go their own way through {@link #handle}. */
    boolean batchable(Envelope envelope) {
        return services.lifecycle().failure() == null && !services.storage().suspects().isSuspected(envelope.id())
                && (envelope.deliverBy() == null || !envelope.isExpired(services.clock().instant()));
    }

    /** A durable envelope whose attempt the store failed: tried again once the store has had a rest. */
    void afterStoreFailure(Envelope envelope, Endpoint origin) {
        retries.afterStoreFailure(envelope, origin);
    }

    @Override
    public void handle(Envelope envelope, Endpoint origin) {
        if (services.lifecycle().failure() != null) {
            refuseAfterFatalError(envelope, origin);
            return;
        }
        EnvelopeExecutor outer = HANDLING.get();
        HANDLING.set(this);
        try {
            if (services.isDurable(origin) && services.storage().suspects().isSuspected(envelope.id())) {
                // Its holder died holding it: maybe it crashed the process. Its attempts run alone, counted.
                if (!services.storage().suspects().runSuspected(envelope.id(), () -> process(envelope, origin))) {
                    log.info("suspected envelope {} ({}) at {} is no longer this node's; not handled here", envelope.id(),
                            envelope.messageType(), origin.uri());
                }
            } else {
                process(envelope, origin);
            }
        } catch (StoreUnavailableException e) {
            // The store failed while finishing the envelope (dead-lettering it, say): it is still in the store,
            // owned by this node; try it again when the store has had a rest.
            log.warn("envelope {} ({}) from {} waits for the message store: {}", envelope.id(), envelope.messageType(), origin.uri(),
                    e.getMessage());
            retries.afterStoreFailure(envelope, origin);
        } catch (RuntimeException | Error e) {
            // Only an infrastructure failure gets here (the scheduler or a queue already stopped, say).
            services.lifecycle().failIfFatal("finishing envelope " + envelope.id() + " from " + origin.uri(), e);
            log.error("could not finish envelope {} ({}) from {}; abandoned", envelope.id(), envelope.messageType(), origin.uri(), e);
            observers.emit(Kind.ABANDONED, envelope, origin.uri(), e, e.getMessage());
        } finally {
            HANDLING.set(outer);
        }
    }

    private void process(Envelope envelope, Endpoint origin) {
        Object message;
        try {
            message = bodies.messageOf(envelope);
        } catch (SerializationException | UnknownMessageTypeException e) {
            deadLetter(envelope.withAttempts(envelope.attempts() + 1), origin, e.getMessage(), e);
            return;
        }
        HandlerChain chain = handlers.chainFor(message.getClass());
        if (chain.isEmpty()) {
            String reason = "no handler for message type '" + envelope.messageType() + "' (" + message.getClass().getName() + ")";
            deadLetter(envelope.withAttempts(envelope.attempts() + 1), origin, reason, null);
            return;
        }
        attempts(chain, message, envelope, origin, null);
    }

    /**
     * Attempts to handle {@code envelope} until it ends. {@code failed}: the outcome of an attempt of it that
     * already failed in a batch ({@code envelope} carries that attempt), for the error policies to begin with.
     */
    void attempts(HandlerChain chain, Object message, Envelope envelope, Endpoint origin, Outcome failed) {
        URI uri = origin.uri();
        Envelope current = envelope;
        Outcome earlier = failed;
        while (true) {
            Outcome outcome = earlier;
            earlier = null;
            if (outcome == null) {
                if (current.deliverBy() != null && current.isExpired(services.clock().instant())) {
                    log.info("discarding envelope {} ({}) at {}: it expired at {}", current.id(), current.messageType(), uri, current.deliverBy());
                    observers.emit(Kind.DISCARDED, current, uri, null, "expired at " + current.deliverBy());
                    forget(current, origin);
                    return;
                }
                current = current.withAttempts(current.attempts() + 1);
                outcome = attempt(chain, message, current, origin, null, null);
            }
            if (outcome.failure == null) {
                return;
            }
            if (outcome.failure instanceof StoreUnavailableException) {
                // Not the handler's fault: the attempt does not count, and no error policy applies.
                log.warn("envelope {} ({}) at {} waits for the message store: {}", current.id(), current.messageType(), uri,
                        outcome.failure.getMessage());
                retries.afterStoreFailure(current.withAttempts(current.attempts() - 1), origin);
                return;
            }
            if (services.lifecycle().isStopping() && interruptedBy(outcome.failure)) {
                log.warn("envelope {} ({}) at {} was interrupted in attempt {} while the host stopped; abandoned",
                        current.id(), current.messageType(), uri, current.attempts());
                observers.emit(Kind.ABANDONED, current, uri, outcome.failure, "interrupted while the host stopped");
                return;
            }
            if (outcome.failure instanceof NoRouteException) {
                deadLetter(current, origin, outcome.failure.getMessage(), outcome.failure);
                return;
            }
            if (outcome.failure instanceof VirtualMachineError fatal) {
                // Rolled back already. The JVM may be unusable: no policy runs and the host takes no more work.
                // The envelope goes back to the store for another node (or this one, restarted), its attempt
                // counted; after as many attempts as a poison message may crash the process, it goes to the dead
                // letters instead, so it cannot take down one node after another.
                services.lifecycle().fail("handling envelope " + current.id() + " (" + current.messageType() + ") at " + uri, fatal);
                int limit = services.storage() == null ? 1 : services.storage().settings().maxHandlingCrashes();
                if (current.attempts() >= limit) {
                    deadLetter(current, origin, fatal + " in " + current.attempts() + " attempt(s), the JVM's own error", fatal);
                    return;
                }
                retries.recordAttempts(current, origin);
                refuseAfterFatalError(current, origin);
                return;
            }
            ErrorPolicy.Action action = chain.decide(outcome.failure, outcome.failedHandler, current.attempts());
            if (!applyAction(action, current, origin, outcome.failure)) {
                return;
            }
        }
    }

    /**
     * Runs the handlers of {@code message} now, on the caller's thread, in a unit of work of their own.
     *
     * @param responseType the type of the answer to return, or null for none
     * @return the first cascade of {@code responseType}, taken out of the cascades; null without a response type
     */
    public Object invoke(Object message, Class<?> responseType) {
        return invoke(message, responseType, null);
    }

    /** {@link #invoke(Object, Class)} from inside a handler: the cascades join {@code parent}'s unit of work. */
    Object invoke(Object message, Class<?> responseType, ExecutionContext parent) {
        HandlerChain chain = handlers.chainFor(message.getClass());
        if (chain.isEmpty()) {
            throw new NoRouteException("no handler for message type '" + MessageTypes.nameOf(message.getClass())
                    + "' (" + message.getClass().getName() + "); invoke runs handlers of this process only");
        }
        Envelope current = services.addressing().newEnvelope(message, DeliveryOptions.none(), parent == null ? null : parent.envelope(), null, null);
        EnvelopeExecutor outer = HANDLING.get();
        HANDLING.set(this);
        try {
            while (true) {
                current = current.withAttempts(current.attempts() + 1);
                Outcome outcome = attempt(chain, message, current, null, responseType, parent);
                if (outcome.failure == null) {
                    if (responseType != null && outcome.response == null) {
                        // The handlers succeeded and their cascades are sent; retrying would not make them answer.
                        throw new AgateException("no handler of " + current.messageType() + " returned a " + responseType.getName());
                    }
                    return outcome.response;
                }
                if (outcome.failure instanceof VirtualMachineError fatal) {
                    services.lifecycle().fail("invoking a handler of " + current.messageType(), fatal);
                    throw fatal;
                }
                ErrorPolicy.Action action = outcome.failure instanceof NoRouteException ? null
                        : chain.decide(outcome.failure, outcome.failedHandler, current.attempts());
                boolean again = action != null && switch (action.kind()) {
                    case RETRY_NOW -> true;
                    case RETRY_WITH_COOLDOWN -> sleep(action.delay());
                    default -> false;
                };
                if (!again) {
                    observers.emit(Kind.ABANDONED, current, null, outcome.failure, "invoke failed; thrown to the caller");
                    throw rethrowable(outcome.failure);
                }
                observers.emit(Kind.RETRYING, current, null);
            }
        } finally {
            HANDLING.set(outer);
        }
    }

    record Outcome(Throwable failure, HandlerMethod failedHandler, Object response) {
        static Outcome succeeded(Object response) {
            return new Outcome(null, null, response);
        }
    }

    private Outcome attempt(HandlerChain chain, Object message, Envelope envelope, Endpoint origin,
                            Class<?> responseType, ExecutionContext parent) {
        MessageTracer.Span span = services.observers().tracing().process(envelope, origin == null ? null : origin.uri());
        try (LogContext logged = LogContext.of(envelope)) {
            Outcome outcome = attemptLogged(chain, message, envelope, origin, responseType, parent);
            if (outcome.failure != null) {
                span.failed(outcome.failure);
            }
            return outcome;
        } catch (RuntimeException | Error e) {
            span.failed(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private Outcome attemptLogged(HandlerChain chain, Object message, Envelope envelope, Endpoint origin,
                                  Class<?> responseType, ExecutionContext parent) {
        URI uri = origin == null ? null : origin.uri();
        observers.emit(Kind.STARTED, envelope, uri);
        ExecutionContext context = new ExecutionContext(this, services, envelope, parent, origin);
        Object response = null;
        try {
            context.beginAttempt();
            List<Outgoing> cascades = Cascades.flatten(chain.invoke(message, context, envelope));
            if (responseType != null) {
                response = takeResponse(cascades, responseType);
            }
            context.cascade(cascades);
        } catch (HandlerChain.Failure failure) {
            return failed(context, envelope, uri, failure.getCause(), failure.handler());
        } catch (RuntimeException | Error routing) {
            return failed(context, envelope, uri, routing, null);
        }
        boolean owned;
        try {
            owned = context.complete();
        } catch (RuntimeException | Error e) {
            // The store failed (not the handler's fault: tried again later), or writing what the handler sent
            // failed (a message that cannot be serialized, say): a failed attempt like any other.
            observers.emit(Kind.FAILED, envelope, uri, e, e.toString());
            return new Outcome(e, null, null);
        }
        if (!owned) {
            notOwned(envelope, uri);
            return Outcome.succeeded(null);
        }
        observers.emit(Kind.SUCCEEDED, envelope, uri);
        return Outcome.succeeded(response);
    }

    /** The envelope's handling was rolled back: another node took it over, or it was handled already. */
    void notOwned(Envelope envelope, URI uri) {
        log.warn("envelope {} ({}) at {} was taken over by another node or handled already while this node handled it;"
                + " this handling was rolled back", envelope.id(), envelope.messageType(), uri);
        observers.emit(Kind.DISCARDED, envelope, uri, null, "no longer owned by this node; rolled back");
    }

    private Outcome failed(ExecutionContext context, Envelope envelope, URI uri, Throwable failure, HandlerMethod handler) {
        context.discardQuietly(failure);
        observers.emit(Kind.FAILED, envelope, uri, failure, failure.toString());
        return new Outcome(failure, handler, null);
    }

    /** Removes and returns the first plain cascade that is a {@code responseType}, or null. */
    private static Object takeResponse(List<Outgoing> cascades, Class<?> responseType) {
        for (Iterator<Outgoing> it = cascades.iterator(); it.hasNext(); ) {
            Outgoing candidate = it.next();
            if (responseType.isInstance(candidate.message()) && candidate.endpoint() == null) {
                it.remove();
                return candidate.message();
            }
        }
        return null;
    }

    /** Returns true when the envelope should be handled again on this thread. */
    private boolean applyAction(ErrorPolicy.Action action, Envelope envelope, Endpoint origin, Throwable failure) {
        URI uri = origin.uri();
        switch (action.kind()) {
            case RETRY_NOW, RETRY_WITH_COOLDOWN -> {
                logFailure(envelope, uri, failure, "retrying" + (action.delay().isZero() ? "" : " after " + action.delay()));
                retries.recordAttempts(envelope, origin);
                observers.emit(Kind.RETRYING, envelope, uri);
                if (sleep(action.delay())) {
                    return true;
                }
                if (services.lifecycle().isStopping()) {
                    observers.emit(Kind.ABANDONED, envelope, uri, failure, "cooldown interrupted while the host stopped");
                } else {
                    retries.inMemory(envelope, origin, services.clock().instant());
                }
                return false;
            }
            case SCHEDULE_RETRY -> {
                logFailure(envelope, uri, failure, "retry scheduled in " + action.delay());
                observers.emit(Kind.RETRY_SCHEDULED, envelope, uri);
                retries.schedule(envelope, origin, services.clock().instant().plus(action.delay()));
                return false;
            }
            case REQUEUE -> {
                logFailure(envelope, uri, failure, "requeued");
                observers.emit(Kind.REQUEUED, envelope, uri);
                retries.recordAttempts(envelope, origin);
                retries.requeue(envelope, origin);
                return false;
            }
            case DEAD_LETTER -> {
                deadLetter(envelope, origin, failure.getClass().getName(), failure);
                return false;
            }
            case DISCARD -> {
                log.warn("envelope {} ({}) failed attempt {} at {} and is discarded by its error policy", envelope.id(),
                        envelope.messageType(), envelope.attempts(), uri, failure);
                observers.emit(Kind.DISCARDED, envelope, uri, failure, "discarded by error policy");
                forget(envelope, origin);
                return false;
            }
            default -> throw new IllegalStateException("unknown action " + action);
        }
    }

    /**
     * The host met a VirtualMachineError and takes no more work: a durable envelope goes back to the store,
     * unowned, for another node; one held only in memory is abandoned, and said so.
     */
    private void refuseAfterFatalError(Envelope envelope, Endpoint origin) {
        if (services.isDurable(origin)) {
            services.storage().release(List.of(envelope.id()));
            return;
        }
        log.error("envelope {} ({}) at {} is abandoned: {}", envelope.id(), envelope.messageType(), origin.uri(),
                services.lifecycle().failure());
        observers.emit(Kind.ABANDONED, envelope, origin.uri(), null, services.lifecycle().failure());
    }

    private void deadLetter(Envelope envelope, Endpoint origin, String reason, Throwable failure) {
        deadLetters.deadLetter(envelope, origin.uri(), services.isDurable(origin), reason, failure);
    }

    /** An envelope that ends without being handled (discarded, expired): a durable one is marked done. */
    private void forget(Envelope envelope, Endpoint origin) {
        if (services.isDurable(origin)) {
            services.storage().markHandledLater(envelope);
        }
    }

    private static void logFailure(Envelope envelope, URI uri, Throwable failure, String next) {
        log.warn("envelope {} ({}) failed attempt {} at {}: {}; {}", envelope.id(), envelope.messageType(),
                envelope.attempts(), uri, failure.toString(), next);
    }

    /** Whether an interrupt caused this failure: its cause chain, or this thread's flag. */
    private static boolean interruptedBy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    /** Sleeps a cooldown; false if interrupted (the interrupt is kept). */
    private static boolean sleep(Duration delay) {
        if (delay.isZero()) {
            return true;
        }
        try {
            Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static RuntimeException rethrowable(Throwable failure) {
        if (failure instanceof RuntimeException runtimeException) {
            return runtimeException;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new AgateException("handler failed: " + failure, failure);
    }
}
