package dev.agate;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A record of one operator's action on a message store, written by the store with the action: a replay or
 * delete of dead letters, an edit-and-replay, a cancel or reschedule of scheduled messages. An action done in
 * several batches updates its one entry as each batch commits, so {@code touched} is what was done even when
 * the action stopped half way. Entries are never deleted by Agate.
 *
 * @param id        the entry's id (a UUIDv7: its time is when the action began)
 * @param at        when the action began
 * @param actor     who asked, as the caller named them
 * @param action    what was done
 * @param selection the filter or ids the action was given ({@link DeadLetterFilter#toString()})
 * @param detail    more for some actions: the new envelope of an edit and what changed, the time of a reschedule; else null
 * @param touched   how many rows it changed
 */
public record AuditEntry(UUID id, Instant at, String actor, Action action, String selection, String detail, int touched) {
    /** The longest actor a store keeps. */
    public static final int MAX_ACTOR = 250;

    public AuditEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(selection, "selection");
    }

    /** What an action did; stored by {@link #name()}. */
    public enum Action {
        DEAD_LETTERS_REPLAY("dead-letters replay"),
        DEAD_LETTERS_DELETE("dead-letters delete"),
        DEAD_LETTERS_EDIT_REPLAY("dead-letters edit"),
        SCHEDULED_CANCEL("scheduled cancel"),
        SCHEDULED_RESCHEDULE("scheduled reschedule");

        private final String label;

        Action(String label) {
            this.label = label;
        }

        /** As the command line names it: {@code dead-letters replay}. */
        public String label() {
            return label;
        }
    }

    /** Where it sits in a listing of the audit: when, then its id. */
    public PageRequest.Position position() {
        return new PageRequest.Position(at, id);
    }

    /**
     * Checks who an action is recorded for: what every store and host calls before an action.
     *
     * @throws IllegalArgumentException when it is null, blank or longer than {@link #MAX_ACTOR}
     */
    public static String checkActor(String actor) {
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("an action needs an actor: who asked for it, for the audit");
        }
        if (actor.length() > MAX_ACTOR) {
            throw new IllegalArgumentException("the actor must be at most " + MAX_ACTOR + " characters, not " + actor.length());
        }
        return actor;
    }
}
