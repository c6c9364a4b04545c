package dev.agate.testing;

import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.MessageBus;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageEvent.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs an action against a host and waits, without sleeping, until every envelope it caused (and every
 * envelope those cascaded) has been handled, dead-lettered, discarded, scheduled for later or abandoned;
 * then lets the test inspect what happened.
 *
 * <pre>{@code
 * TrackedSession session = TrackedSession.of(host).send(new PlaceOrder(42));
 * assertThat(session.handled(OrderPlaced.class)).hasSize(1);
 * }</pre>
 *
 * <p>How it knows it is done: it observes the host's {@link MessageEvent}s and keeps the set of envelope
 * ids that are alive. An envelope becomes alive when it is sent, received or starts, and leaves the set on a
 * final event ({@link Kind#isFinal()}); a {@link Kind#DUPLICATE} ends only the copy it was announced with.
 * Agate emits a cascade's {@code SENT} before its parent's {@code SUCCEEDED}, so the set is never empty
 * while work remains. A retry scheduled for later keeps the
 * session waiting; a message scheduled for later does not.
 *
 * <p>By default the session fails (with an {@link AssertionError} that lists them) when a handler threw,
 * an envelope was dead-lettered (even without an exception: a message type with no handler) or one was
 * abandoned; call {@link Builder#allowExceptions()} in tests of error handling. All traffic of the host
 * during the session is recorded, so run one session at a time per host.
 */
public final class TrackedSession {
    private final List<MessageEvent> events;

    private TrackedSession(List<MessageEvent> events) {
        this.events = List.copyOf(events);
    }

    /** Starts describing a session on {@code host}, which must be running. */
    public static Builder of(AgateHost host) {
        return new Builder(host);
    }

    /** Every event of the session, in the order they were observed. */
    public List<MessageEvent> events() {
        return events;
    }

    /** The events of one kind. */
    public List<MessageEvent> events(Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    /** The messages of {@code type} whose handling succeeded, in order of success. */
    public <T> List<T> handled(Class<T> type) {
        return messages(Kind.SUCCEEDED, type);
    }

    /**
     * The messages of {@code type} that were sent to an endpoint (a retry or scheduled firing counts again); what
     * a listener received is {@link Kind#RECEIVED}, not sent.
     */
    public <T> List<T> sent(Class<T> type) {
        return messages(Kind.SENT, type);
    }

    /** The messages of {@code type} that were scheduled for later. */
    public <T> List<T> scheduled(Class<T> type) {
        return messages(Kind.SCHEDULED, type);
    }

    /** The envelopes that were moved to the dead letters. */
    public List<Envelope> deadLettered() {
        return events(Kind.DEAD_LETTERED).stream().map(MessageEvent::envelope).toList();
    }

    /** The copies of envelopes that were not stored or handled again: their ids were stored already. */
    public List<Envelope> duplicates() {
        return events(Kind.DUPLICATE).stream().map(MessageEvent::envelope).toList();
    }

    /** The envelopes that were discarded, by an error policy or because they expired. */
    public List<Envelope> discarded() {
        return events(Kind.DISCARDED).stream().map(MessageEvent::envelope).toList();
    }

    /** Every exception a handler threw, in order. */
    public List<Throwable> exceptions() {
        return events(Kind.FAILED).stream().map(MessageEvent::exception).toList();
    }

    /** How many handling attempts were started for envelopes of {@code type}. */
    public long attempts(Class<?> type) {
        return events(Kind.STARTED).stream().filter(e -> type.isInstance(e.envelope().message())).count();
    }

    /** The one handled message of {@code type}; fails when there are none or several. */
    public <T> T single(Class<T> type) {
        List<T> handled = handled(type);
        if (handled.size() != 1) {
            throw new AssertionError("expected exactly one handled " + type.getSimpleName() + " but found "
                    + handled.size() + ": " + handled);
        }
        return handled.get(0);
    }

    private void failIfAnythingWentWrong() {
        List<MessageEvent> problems = events.stream()
                .filter(e -> e.kind() == Kind.FAILED || e.kind() == Kind.DEAD_LETTERED || e.kind() == Kind.ABANDONED).toList();
        if (problems.isEmpty()) {
            return;
        }
        AssertionError error = new AssertionError("handlers threw " + exceptions().size() + " exception(s), "
                + events(Kind.DEAD_LETTERED).size() + " envelope(s) were dead-lettered and " + events(Kind.ABANDONED).size()
                + " abandoned during the session (use allowExceptions() if that is expected): "
                + problems.stream().map(e -> e.kind() + " " + e.envelope().messageType() + " " + (e.detail() == null ? "" : e.detail()))
                .collect(Collectors.joining("; ")));
        exceptions().forEach(error::addSuppressed);
        throw error;
    }

    private <T> List<T> messages(Kind kind, Class<T> type) {
        return events.stream().filter(e -> e.kind() == kind)
                .map(e -> e.envelope().message()).filter(type::isInstance).map(type::cast).toList();
    }

    /** Sets up a session; a terminal method runs the action and returns the finished session. */
    public static final class Builder {
        private final AgateHost host;
        private Duration timeout = Duration.ofSeconds(10);
        private boolean allowExceptions;

        private Builder(AgateHost host) {
            this.host = Objects.requireNonNull(host, "host");
        }

        /** How long to wait for the work to finish before failing. Default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Do not fail the session when handlers threw, or envelopes were dead-lettered or abandoned. */
        public Builder allowExceptions() {
            this.allowExceptions = true;
            return this;
        }

        public TrackedSession send(Object message) {
            return execute(bus -> bus.send(message));
        }

        public TrackedSession publish(Object message) {
            return execute(bus -> bus.publish(message));
        }

        public TrackedSession invoke(Object message) {
            return execute(bus -> bus.invoke(message));
        }

        /** Runs {@code action} on the host's bus, then waits for all the work it caused. */
        public TrackedSession execute(Consumer<MessageBus> action) {
            Tracker tracker = new Tracker();
            AgateHost.Registration registration = host.observe(tracker);
            try {
                action.accept(host.bus());
                tracker.awaitDone(timeout);
            } finally {
                registration.close();
            }
            TrackedSession session = new TrackedSession(tracker.events());
            if (!allowExceptions) {
                session.failIfAnythingWentWrong();
            }
            return session;
        }
    }

    /** The observer: records events and keeps the live envelope ids. Guarded by its own monitor. */
    private static final class Tracker implements dev.agate.spi.MessageObserver {
        private final List<MessageEvent> events = new ArrayList<>();
        private final Map<UUID, MessageEvent> alive = new LinkedHashMap<>();

        @Override
        public synchronized void onEvent(MessageEvent event) {
            events.add(event);
            UUID id = event.envelope().id();
            if (event.kind() == Kind.DUPLICATE) {
                // A copy dropped: it ends only the copy this session saw announced just before (the same instance),
                // never an envelope of that id still under way, nor keeps one alive that ended.
                MessageEvent last = alive.get(id);
                if (last != null && last.envelope() == event.envelope()) {
                    alive.remove(id);
                    if (alive.isEmpty()) {
                        notifyAll();
                    }
                }
            } else if (event.kind().isFinal()) {
                alive.remove(id);
                if (alive.isEmpty()) {
                    notifyAll();
                }
            } else {
                alive.put(id, event);
            }
        }

        synchronized void awaitDone(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!alive.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the session did not finish within " + timeout + "; still in progress: "
                            + alive.values().stream().map(e -> e.envelope().id() + " " + e.envelope().messageType()
                            + " last " + e.kind() + " at " + e.endpoint()).collect(Collectors.joining("; ")));
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for the session", e);
                }
            }
        }

        synchronized List<MessageEvent> events() {
            return new ArrayList<>(events);
        }
    }
}
