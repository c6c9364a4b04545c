package dev.agate.internal;

import dev.agate.Envelope;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageObserver;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host's observers, and its tracing. With none registered an event, or a store call, costs one volatile read. */
public final class Observers {
    private static final Logger log = LoggerFactory.getLogger(Observers.class);

    private final List<MessageObserver> observers = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private final Tracing tracing;

    public Observers(Clock clock) {
        this(clock, new Tracing(null));
    }

    public Observers(Clock clock, Tracing tracing) {
        this.clock = clock;
        this.tracing = tracing;
    }

    /** The host's tracer, guarded. */
    public Tracing tracing() {
        return tracing;
    }

    public void add(MessageObserver observer) {
        observers.add(observer);
    }

    public void remove(MessageObserver observer) {
        observers.remove(observer);
    }

    /** True when some observer is registered: only then is a store call worth timing. */
    public boolean any() {
        return !observers.isEmpty();
    }

    /** Reports one store call; see {@link MessageObserver#onStoreOperation}. */
    public void storeOperation(String operation, int envelopes, long nanos, boolean succeeded) {
        for (MessageObserver observer : observers) {
            try {
                observer.onStoreOperation(operation, envelopes, nanos, succeeded);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable e) {
                log.warn("observer {} failed on store operation {}; ignored", observer, operation, e);
            }
        }
    }

    public void emit(MessageEvent.Kind kind, Envelope envelope, URI endpoint) {
        emit(kind, envelope, endpoint, null, null);
    }

    public void emit(MessageEvent.Kind kind, Envelope envelope, URI endpoint, Throwable exception, String detail) {
        if (observers.isEmpty()) {
            return;
        }
        MessageEvent event = new MessageEvent(kind, envelope, endpoint, exception, detail, clock.instant());
        for (MessageObserver observer : observers) {
            try {
                observer.onEvent(event);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable e) {
                // An observer must never change what happens to an envelope: not even an AssertionError.
                log.warn("observer {} failed on {} of envelope {}; ignored", observer, kind, envelope.id(), e);
            }
        }
    }
}
