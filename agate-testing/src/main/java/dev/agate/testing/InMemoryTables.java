package dev.agate.testing;

import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.NodeRegistry;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The rows of an {@link InMemoryMessageStore}, as the JDBC store keeps them in its tables: envelopes in
 * their encoded form (so what comes back is what a database would give back: a body, no message object),
 * with state in columns beside them. Rows are immutable; a change replaces the row. Not thread-safe: the
 * store's lock guards every access.
 */
final class InMemoryTables {
    enum Status { INCOMING, SCHEDULED, HANDLED }

    /** Ids in the order a database sorts them: unsigned, as PostgreSQL's uuid and the text form do. */
    static final Comparator<UUID> BY_ID = (a, b) -> {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    };

    /** A row of the inbox; takes and crashes as {@link dev.agate.spi.Inbox.Claimed} describes them. */
    record IncomingRow(UUID id, String endpoint, Status status, int owner, Instant executionTime, int attempts,
                       Instant keepUntil, byte[] body, int takes, int crashes) {

        /** A received envelope: scheduled and unowned when its time is after {@code now}, else incoming and owned (taken once). */
        static IncomingRow received(Envelope envelope, URI endpoint, int owner, Instant now) {
            boolean later = envelope.scheduledTime() != null && envelope.scheduledTime().isAfter(now);
            return new IncomingRow(envelope.id(), endpoint.toString(), later ? Status.SCHEDULED : Status.INCOMING,
                    later ? 0 : owner, later ? envelope.scheduledTime() : null, envelope.attempts(), null,
                    EnvelopeCodec.encode(envelope), later || owner == 0 ? 0 : 1, 0);
        }

        /** Another owner, the takes kept (a dead node's envelopes given back). */
        IncomingRow owned(int newOwner) {
            return new IncomingRow(id, endpoint, status, newOwner, executionTime, attempts, keepUntil, body, takes, crashes);
        }

        /** Given back by a live node: owned by nobody, not taken. */
        IncomingRow released() {
            return new IncomingRow(id, endpoint, status, 0, executionTime, attempts, keepUntil, body, 0, crashes);
        }

        /** Claimed: incoming, owned by {@code newOwner}, one more take. */
        IncomingRow incomingOwnedBy(int newOwner) {
            return new IncomingRow(id, endpoint, Status.INCOMING, newOwner, executionTime, attempts, keepUntil, body, takes + 1, crashes);
        }

        /** Handled: only the id is kept (until {@code until}), to recognize a duplicate; the body is dropped. */
        IncomingRow handled(Instant until) {
            return new IncomingRow(id, endpoint, Status.HANDLED, 0, executionTime, attempts, until, new byte[0], takes, crashes);
        }

        /** A failed attempt recorded: its node still holds it, one attempt ended. */
        IncomingRow withAttempts(int newAttempts) {
            return new IncomingRow(id, endpoint, status, owner, executionTime, newAttempts, keepUntil, body, 1, crashes);
        }

        IncomingRow withCrashes(int newCrashes) {
            return new IncomingRow(id, endpoint, status, owner, executionTime, attempts, keepUntil, body, takes, newCrashes);
        }

        IncomingRow scheduled(Instant at, int newAttempts) {
            return new IncomingRow(id, endpoint, Status.SCHEDULED, 0, at, newAttempts, keepUntil, body, 0, crashes);
        }

        boolean isIncomingOwnedBy(int node) {
            return status == Status.INCOMING && owner == node;
        }

        /** The envelope as a claim returns it: decoded, with the attempts and endpoint of the row. */
        Envelope envelope() {
            return EnvelopeCodec.decode(body).toBuilder().attempts(attempts).destination(URI.create(endpoint)).build();
        }
    }

    record OutgoingRow(UUID id, int owner, String destination, Instant deliverBy, int attempts, byte[] body) {

        static OutgoingRow of(Envelope envelope, int owner) {
            return new OutgoingRow(envelope.id(), owner, envelope.destination().toString(), envelope.deliverBy(),
                    envelope.attempts(), EnvelopeCodec.encode(envelope));
        }

        OutgoingRow owned(int newOwner, int newAttempts) {
            return new OutgoingRow(id, newOwner, destination, deliverBy, newAttempts, body);
        }

        Envelope envelope() {
            return EnvelopeCodec.decode(body).toBuilder().attempts(attempts).destination(URI.create(destination)).build();
        }
    }

    /** A dead letter, its envelope already a decoded copy of the encoded form. */
    record DeadRow(DeadLetter letter, Instant expiresAt) {
        static final Comparator<DeadRow> OLDEST_FIRST = Comparator.comparing((DeadRow row) -> row.letter().failedAt())
                .thenComparing(row -> row.letter().id(), BY_ID);
    }

    final Map<UUID, IncomingRow> incoming = new HashMap<>();
    final Map<UUID, OutgoingRow> outgoing = new HashMap<>();
    final Map<UUID, DeadRow> deadLetters = new HashMap<>();
    final Map<Integer, NodeRegistry.Node> nodes = new TreeMap<>();
    /** The audit of operators' actions, in the order they began. */
    final List<AuditEntry> audit = new ArrayList<>();
    /** The last node id given out: ids are never reused, so no row can be mistaken for a new node's. */
    int lastNodeId;
    /** The leader's lease: holder (0: nobody), term, and when it runs out. */
    int leaderNode;
    long leaderTerm;
    Instant leaderExpiresAt;

    void clear() {
        incoming.clear();
        outgoing.clear();
        deadLetters.clear();
        nodes.clear();
        audit.clear();
    }

    /** Records an action; returns its entry. */
    AuditEntry audit(java.time.Instant now, String actor, AuditEntry.Action action, String selection, String detail, int touched) {
        AuditEntry entry = new AuditEntry(dev.agate.Uuid7.next(), now, actor, action, selection, detail, touched);
        audit.add(entry);
        return entry;
    }

    /** An envelope as a database would give it back: encoded and decoded (so it must carry a body). */
    static Envelope stored(Envelope envelope) {
        return EnvelopeCodec.decode(EnvelopeCodec.encode(envelope));
    }
}
