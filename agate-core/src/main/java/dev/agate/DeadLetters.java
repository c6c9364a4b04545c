package dev.agate;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The host's dead letters: listed, queried, replayed, edited and replayed, deleted. Thread-safe; every method
 * runs on the calling thread.
 *
 * <p><b>Where they are.</b> The dead letters of durable endpoints live in the message store and survive
 * restarts; those of buffered and inline endpoints (and every one of a host without a store) live in memory,
 * bounded: past the bound the oldest is dropped with a warning that names it. Queries and actions cover both.
 *
 * <p><b>Replay.</b> Replaying sends the envelope back to the endpoint where it failed, with its attempts
 * reset and no expiry. A stored one goes back into the inbox, unowned, and the recovery of whichever running
 * node has its endpoint hands it to the queue (this host's recovery is woken at once); an in-memory one is sent
 * again at once. The dead letter is kept, marked {@link DeadLetter#replay() replayed} (when, by whom), until it
 * expires; a dead letter replayed already is left as it is, so a replay asked twice, even by two threads or
 * two processes at once, sends the envelope once. If the envelope fails again, its new dead letter replaces the
 * marked one, unmarked.
 *
 * <p><b>Actions and the audit.</b> The actions that take an {@code actor} ({@link #replay(DeadLetterFilter, String)},
 * {@link #delete}, {@link #replayEdited}) run in the store in bounded batches
 * ({@link dev.agate.spi.DeadLetterStore}) and write an audit entry ({@link AgateHost#audit}); the older methods
 * below them act for the actor {@value #APPLICATION}. Every method throws an {@link AgateException} when the
 * store cannot be reached, and an {@link IllegalArgumentException} for a blank actor.
 */
public interface DeadLetters {
    /** The actor of the actions that name none. */
    String APPLICATION = "application";

    /**
     * One page of the dead letters {@code filter} matches, sorted by when they failed, then by id, with how many
     * match in all.
     */
    Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page);

    /** How many dead letters {@code filter} matches: what a confirmation shows before an action. */
    long count(DeadLetterFilter filter);

    /**
     * Replays the matching dead letters that are not replayed yet (see above); the result counts those replayed
     * now and those skipped (replayed already, or with no endpoint to go back to).
     *
     * @param actor who asks, for the audit
     */
    ActionResult replay(DeadLetterFilter filter, String actor);

    /** Deletes the matching dead letters, replayed or not, for good. */
    ActionResult delete(DeadLetterFilter filter, String actor);

    /**
     * Edit-and-replay: sends the dead letter's envelope back changed by {@code edit}, as a new envelope with a new
     * id and the header {@link EnvelopeEdit#REPLACES_HEADER}; the dead letter is kept, marked replayed as the new
     * id ({@link ActionResult#envelopeId()}). A dead letter replayed already is left as it is (skipped 1).
     * Touched and skipped 0 when there is no such dead letter.
     */
    ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor);

    /** The dead letters not replayed, oldest first (at most 10,000 of the store's; {@link #query} pages through more). */
    List<DeadLetter> list();

    /** The dead letter of this envelope id, replayed or not. */
    Optional<DeadLetter> find(UUID id);

    /** Replays one; false when there is no such dead letter, or it was replayed already. */
    boolean replay(UUID id);

    /** Replays those of one message type not replayed yet; returns how many. */
    int replayMessageType(String messageType);

    /** Replays all not replayed yet; returns how many. */
    int replayAll();

    /** Deletes all, replayed or not, without replaying; returns how many. */
    int purge();
}
