package dev.agate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What to do when a handler throws: a rule that matches exceptions, then one action per failed attempt,
 * then a final action.
 *
 * <pre>{@code
 * ErrorPolicy.on(SQLTransientException.class)
 *     .retry(2)                                               // attempts 2 and 3 right away
 *     .retryWithCooldown(Duration.ofMillis(100), Duration.ofSeconds(1))   // attempts 4 and 5
 *     .scheduleRetry(Duration.ofMinutes(1))                   // attempt 6, a minute later
 *     .deadLetter();                                          // after that: dead letters
 * }</pre>
 *
 * <p>The actions are indexed by the attempt that failed: the first listed action follows the failure of
 * attempt 1, and so on; once they are used up the final action ({@link Builder#deadLetter()} or
 * {@link Builder#discard()}) applies. Attempts count across policies: a message that failed twice with
 * one exception and then with another is at attempt 3 for the second policy.
 *
 * <p>Policies are tried in order: those registered with a handler object, then the global ones, then the
 * host's default, which is {@link #defaults()}: three attempts in all, then dead letters. A body that
 * cannot be deserialized, or a message type without a handler, is dead-lettered at once whatever the
 * policies say.
 *
 * <p>{@link Action.Kind#RETRY_WITH_COOLDOWN} waits on the worker thread (so a sequential queue keeps
 * its order); keep cooldowns short and use {@link Action.Kind#SCHEDULE_RETRY} for long waits, which frees
 * the worker. {@link Action.Kind#REQUEUE} puts the envelope at the back of its queue.
 */
public final class ErrorPolicy {
    private final String description;
    private final Predicate<Throwable> matcher;
    private final List<Action> actions;
    private final Action last;

    private ErrorPolicy(String description, Predicate<Throwable> matcher, List<Action> actions, Action last) {
        this.description = description;
        this.matcher = matcher;
        this.actions = List.copyOf(actions);
        this.last = last;
    }

    /** Matches exceptions that are instances of any of {@code types} (subclasses included). */
    @SafeVarargs
    public static Builder on(Class<? extends Throwable>... types) {
        if (types.length == 0) {
            throw new IllegalArgumentException("name at least one exception type");
        }
        List<Class<? extends Throwable>> list = List.of(types);
        String names = list.stream().map(Class::getSimpleName).reduce((a, b) -> a + "|" + b).orElseThrow();
        return new Builder("on " + names, t -> list.stream().anyMatch(c -> c.isInstance(t)));
    }

    /** Matches exceptions for which {@code predicate} is true; {@code description} names it in logs. */
    public static Builder when(Predicate<Throwable> predicate, String description) {
        return new Builder("when " + description, Objects.requireNonNull(predicate, "predicate"));
    }

    /** Matches every exception. */
    public static Builder onAny() {
        return new Builder("on any exception", t -> true);
    }

    /** The default policy: retry twice at once (three attempts in all), then dead letters. */
    public static ErrorPolicy defaults() {
        return onAny().retry(2).deadLetter();
    }

    /** True when this policy applies to {@code exception}. */
    public boolean matches(Throwable exception) {
        return matcher.test(exception);
    }

    /**
     * The action after attempt number {@code failedAttempt} (1 for the first attempt) failed.
     *
     * @throws IllegalArgumentException when {@code failedAttempt < 1}
     */
    public Action actionAfter(int failedAttempt) {
        if (failedAttempt < 1) {
            throw new IllegalArgumentException("failedAttempt must be >= 1 but was " + failedAttempt);
        }
        return failedAttempt <= actions.size() ? actions.get(failedAttempt - 1) : last;
    }

    @Override
    public String toString() {
        return description + ": " + actions + " then " + last;
    }

    /** One decision of an error policy. {@code delay} is zero for the kinds that have none. */
    public record Action(Kind kind, Duration delay) {
        public Action {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(delay, "delay");
        }

        /** What happens to the envelope. */
        public enum Kind {
            /** Handle again at once, on the same thread. */
            RETRY_NOW,
            /** Wait {@code delay} on the same thread, then handle again. */
            RETRY_WITH_COOLDOWN,
            /** Give the envelope back and handle it again after {@code delay}; the worker moves on. */
            SCHEDULE_RETRY,
            /** Put the envelope at the back of its queue. */
            REQUEUE,
            /** Move the envelope to the dead letters, with the exception. */
            DEAD_LETTER,
            /** Drop the envelope and log it. */
            DISCARD;

            /** True for the kinds after which the envelope is handled no more. */
            public boolean isFinal() {
                return this == DEAD_LETTER || this == DISCARD;
            }
        }

        @Override
        public String toString() {
            return delay.isZero() ? kind.name() : kind + "(" + delay + ")";
        }
    }

    /** Collects the actions of a policy; ends with {@link #deadLetter()} or {@link #discard()}. */
    public static final class Builder {
        private final String description;
        private final Predicate<Throwable> matcher;
        private final List<Action> actions = new ArrayList<>();

        private Builder(String description, Predicate<Throwable> matcher) {
            this.description = description;
            this.matcher = matcher;
        }

        /** Retry at once, {@code times} times. */
        public Builder retry(int times) {
            return repeat(times, new Action(Action.Kind.RETRY_NOW, Duration.ZERO));
        }

        /** One retry per cooldown, each after waiting that long on the worker thread. */
        public Builder retryWithCooldown(Duration... cooldowns) {
            return delays(Action.Kind.RETRY_WITH_COOLDOWN, cooldowns);
        }

        /** One retry per delay, each scheduled that far ahead; the worker moves on meanwhile. */
        public Builder scheduleRetry(Duration... delays) {
            return delays(Action.Kind.SCHEDULE_RETRY, delays);
        }

        /** Put the envelope at the back of its queue, {@code times} times. */
        public Builder requeue(int times) {
            return repeat(times, new Action(Action.Kind.REQUEUE, Duration.ZERO));
        }

        /** Finish: when the actions are used up, move the envelope to the dead letters. */
        public ErrorPolicy deadLetter() {
            return new ErrorPolicy(description, matcher, actions, new Action(Action.Kind.DEAD_LETTER, Duration.ZERO));
        }

        /** Finish: when the actions are used up, drop the envelope (logged). */
        public ErrorPolicy discard() {
            return new ErrorPolicy(description, matcher, actions, new Action(Action.Kind.DISCARD, Duration.ZERO));
        }

        private Builder repeat(int times, Action action) {
            if (times < 1) {
                throw new IllegalArgumentException("times must be >= 1 but was " + times);
            }
            for (int i = 0; i < times; i++) {
                actions.add(action);
            }
            return this;
        }

        private Builder delays(Action.Kind kind, Duration... delays) {
            if (delays.length == 0) {
                throw new IllegalArgumentException("name at least one delay for " + kind);
            }
            for (Duration d : delays) {
                if (d.isNegative()) {
                    throw new IllegalArgumentException(kind + " delay must not be negative but was " + d);
                }
                actions.add(new Action(kind, d));
            }
            return this;
        }
    }
}
