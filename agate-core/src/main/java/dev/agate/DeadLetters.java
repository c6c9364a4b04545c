package dev.agate;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The host's dead letters: list, replay, purge. Thread-safe.
 *
 * <p>Without a message store the dead letters live in memory, bounded: past the bound the oldest is
 * dropped with a warning that names it. Replaying sends the envelope back to the endpoint where it failed,
 * with its attempts reset, and removes it from the dead letters.
 */
public interface DeadLetters {

    /** All dead letters, oldest first. */
    List<DeadLetter> list();

    /** The dead letter of this envelope id. */
    Optional<DeadLetter> find(UUID id);

    /** Replays one; false when there is no such dead letter. */
    boolean replay(UUID id);

    /** Replays those of one message type; returns how many. */
    int replayMessageType(String messageType);

    /** Replays all; returns how many. */
    int replayAll();

    /** Deletes all without replaying; returns how many. */
    int purge();
}
