package dev.agate.internal.runtime;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.NoRouteException;
import dev.agate.Outgoing;
import dev.agate.SerializationException;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.handlers.Cascades;
import dev.agate.internal.handlers.HandlerChain;
import dev.agate.spi.MessageEvent.Kind;
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
 * <p>One attempt: count it, run every handler of the message's chain in a fresh {@link ExecutionContext},
 * route what they returned, and deliver the cascades only if all of that succeeded. A failed attempt is
 * given to the chain's error policies. Retries now and after a cooldown loop on the current thread;
 * everything else ends this call: the envelope is requeued, scheduled, dead-lettered or discarded.
 * A body that cannot be read, or a message type with no handler, is dead-lettered at once: no retry can
 * fix it. Stateless apart from the runtime it serves; called concurrently by every worker.
 */
final class EnvelopeExecutor implements EnvelopeHandler {
    private static final Logger log = LoggerFactory.getLogger(EnvelopeExecutor.class);

    private final AgateRuntime runtime;

    EnvelopeExecutor(AgateRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void handle(Envelope envelope, Endpoint origin) {
        try {
            process(envelope, origin);
        } catch (RuntimeException e) {
            // Only an infrastructure failure gets here (a requeue into a stopped queue, say): keep the worker alive.
            log.error("could not finish envelope {} ({}) from {}", envelope.id(), envelope.messageType(), origin.uri(), e);
        }
    }

    private void process(Envelope envelope, Endpoint origin) {
        Object message;
        try {
            message = runtime.messageOf(envelope);
        } catch (SerializationException | UnknownMessageTypeException e) {
            runtime.deadLetter(envelope.withAttempts(envelope.attempts() + 1), origin.uri(), e.getMessage(), e);
            return;
        }
        HandlerChain chain = runtime.handlers().chainFor(message.getClass());
        if (chain.isEmpty()) {
            String reason = "no handler for message type '" + envelope.messageType() + "' (" + message.getClass().getName() + ")";
            runtime.deadLetter(envelope.withAttempts(envelope.attempts() + 1), origin.uri(), reason, null);
            return;
        }
        if (envelope.isExpired(runtime.clock().instant())) {
            log.info("discarding envelope {} ({}) at {}: it expired at {}", envelope.id(), envelope.messageType(),
                    origin.uri(), envelope.deliverBy());
            runtime.observers().emit(Kind.DISCARDED, envelope, origin.uri(), null, "expired at " + envelope.deliverBy());
            return;
        }
        Envelope current = envelope;
        while (true) {
            current = current.withAttempts(current.attempts() + 1);
            Outcome outcome = attempt(chain, message, current, origin.uri(), null, null);
            if (outcome.failure == null) {
                return;
            }
            if (interrupted(outcome.failure)) {
                // The host is stopping after its shutdown timeout: no policy applies, the worker must end.
                log.warn("envelope {} ({}) at {} was interrupted in attempt {}; abandoned", current.id(),
                        current.messageType(), origin.uri(), current.attempts());
                runtime.observers().emit(Kind.ABANDONED, current, origin.uri(), outcome.failure, "interrupted");
                return;
            }
            ErrorPolicy.Action action = chain.decide(outcome.failure, current.attempts());
            if (!applyAction(action, current, origin, outcome.failure)) {
                return;
            }
        }
    }

    /**
     * Runs the handlers of {@code message} now, on this thread. With a {@code parent} (invoke from inside
     * a handler) the cascades join the parent's unit of work.
     */
    Object invoke(Object message, Class<?> responseType, ExecutionContext parent) {
        HandlerChain chain = runtime.handlers().chainFor(message.getClass());
        if (chain.isEmpty()) {
            throw new NoRouteException("no handler for message type '" + MessageTypes.nameOf(message.getClass())
                    + "' (" + message.getClass().getName() + "); invoke runs handlers of this process only");
        }
        Envelope current = runtime.newEnvelope(message, dev.agate.DeliveryOptions.none(),
                parent == null ? null : parent.envelope(), null, null);
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
            ErrorPolicy.Action action = chain.decide(outcome.failure, current.attempts());
            boolean again = switch (action.kind()) {
                case RETRY_NOW -> true;
                case RETRY_WITH_COOLDOWN -> sleep(action.delay());
                default -> false;
            };
            if (!again) {
                runtime.observers().emit(Kind.ABANDONED, current, null, outcome.failure, "invoke failed; thrown to the caller");
                throw rethrowable(outcome.failure);
            }
            runtime.observers().emit(Kind.RETRYING, current, null);
        }
    }

    private record Outcome(Throwable failure, Object response) {
    }

    private Outcome attempt(HandlerChain chain, Object message, Envelope envelope, URI endpoint,
                            Class<?> responseType, ExecutionContext parent) {
        runtime.observers().emit(Kind.STARTED, envelope, endpoint);
        ExecutionContext context = new ExecutionContext(runtime, envelope, parent);
        try {
            List<Outgoing> cascades = Cascades.flatten(chain.invoke(message, context, envelope));
            Object response = responseType == null ? null : takeResponse(cascades, responseType);
            context.cascade(cascades);
            context.commit();
            runtime.observers().emit(Kind.SUCCEEDED, envelope, endpoint);
            return new Outcome(null, response);
        } catch (Throwable t) {
            context.discard();
            runtime.observers().emit(Kind.FAILED, envelope, endpoint, t, t.toString());
            return new Outcome(t, null);
        }
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
                log.warn("envelope {} ({}) failed attempt {} at {}: {}; retrying{}", envelope.id(), envelope.messageType(),
                        envelope.attempts(), uri, failure.toString(), action.delay().isZero() ? "" : " after " + action.delay());
                runtime.observers().emit(Kind.RETRYING, envelope, uri);
                if (sleep(action.delay())) {
                    return true;
                }
                runtime.scheduleRetry(envelope, origin, runtime.clock().instant());
                return false;
            }
            case SCHEDULE_RETRY -> {
                log.warn("envelope {} ({}) failed attempt {} at {}: {}; retry scheduled in {}", envelope.id(),
                        envelope.messageType(), envelope.attempts(), uri, failure.toString(), action.delay());
                runtime.observers().emit(Kind.RETRY_SCHEDULED, envelope, uri);
                runtime.scheduleRetry(envelope, origin, runtime.clock().instant().plus(action.delay()));
                return false;
            }
            case REQUEUE -> {
                log.warn("envelope {} ({}) failed attempt {} at {}: {}; requeued", envelope.id(), envelope.messageType(),
                        envelope.attempts(), uri, failure.toString());
                runtime.observers().emit(Kind.REQUEUED, envelope, uri);
                if (!origin.offer(envelope)) {
                    runtime.scheduleRetry(envelope, origin, runtime.clock().instant().plus(InMemoryScheduler.FULL_RETRY));
                }
                return false;
            }
            case DEAD_LETTER -> {
                runtime.deadLetter(envelope, uri, failure.getClass().getName(), failure);
                return false;
            }
            case DISCARD -> {
                log.warn("envelope {} ({}) failed attempt {} at {} and is discarded by its error policy", envelope.id(),
                        envelope.messageType(), envelope.attempts(), uri, failure);
                runtime.observers().emit(Kind.DISCARDED, envelope, uri, failure, "discarded by error policy");
                return false;
            }
            default -> throw new IllegalStateException("unknown action " + action);
        }
    }

    private static boolean interrupted(Throwable failure) {
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return true;
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
