package dev.agate;

import java.util.UUID;

/**
 * What an operator's action did (replay, delete, edit-and-replay, cancel, reschedule). Actions are idempotent:
 * run twice, the second touches nothing and says so in {@code skipped}.
 *
 * @param touched    the rows it changed: replayed, deleted, cancelled, rescheduled
 * @param skipped    the rows it selected and left as they were: dead letters replayed already or with nowhere to
 *                   replay to; scheduled messages already due at the time asked
 * @param envelopeId for an edit-and-replay, the new envelope's id (the one it made, or the one an earlier
 *                   replay made when it skipped); else null
 */
public record ActionResult(int touched, int skipped, UUID envelopeId) {
    public ActionResult {
        if (touched < 0 || skipped < 0) {
            throw new IllegalArgumentException("counts must be >= 0: touched " + touched + ", skipped " + skipped);
        }
    }

    /** A result of an action that makes no new envelope. */
    public static ActionResult of(int touched, int skipped) {
        return new ActionResult(touched, skipped, null);
    }

    /** This result and {@code other} added up (the envelope id of whichever has one). */
    public ActionResult plus(ActionResult other) {
        return new ActionResult(touched + other.touched, skipped + other.skipped, envelopeId != null ? envelopeId : other.envelopeId);
    }
}
