package dev.agate.cli;

import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.Page;
import dev.agate.ScheduledMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Dead letters, scheduled messages and audit entries as text: a table row each, or everything about one. */
final class DeadLetterText {
    /** Bodies longer than this are cut in {@code show}: it is for reading, not for extracting. */
    private static final int BODY_SHOWN = 4096;

    private DeadLetterText() {
    }

    static String table(List<DeadLetter> letters) {
        TextTable table = new TextTable("ID", "FAILED AT", "ATTEMPTS", "TYPE", "ENDPOINT", "REPLAYED", "REASON");
        for (DeadLetter letter : letters) {
            table.row(letter.id(), letter.failedAt(), letter.attempts(), letter.envelope().messageType(), letter.endpoint(),
                    letter.isReplayed() ? letter.replay().at() : null, letter.reason());
        }
        return table.toString();
    }

    static String scheduledTable(List<ScheduledMessage> messages) {
        TextTable table = new TextTable("ID", "DUE AT", "ATTEMPTS", "TYPE", "ENDPOINT");
        for (ScheduledMessage message : messages) {
            table.row(message.id(), message.dueAt(), message.attempts(), message.envelope().messageType(), message.endpoint());
        }
        return table.toString();
    }

    static String auditTable(List<AuditEntry> entries) {
        TextTable table = new TextTable("AT", "ACTOR", "ACTION", "TOUCHED", "SELECTION");
        for (AuditEntry entry : entries) {
            table.row(entry.at(), entry.actor(), entry.action().label(), entry.touched(),
                    entry.selection() + (entry.detail() == null ? "" : " (" + entry.detail() + ")"));
        }
        return table.toString();
    }

    /** The fields of a scheduled message, by name, for JSON. */
    static Map<String, Object> summary(ScheduledMessage message) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", message.id().toString());
        fields.put("messageType", message.envelope().messageType());
        fields.put("endpoint", message.endpoint().toString());
        fields.put("dueAt", message.dueAt().toString());
        fields.put("attempts", message.attempts());
        return fields;
    }

    /** The fields of an audit entry, by name, for JSON. */
    static Map<String, Object> summary(AuditEntry entry) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", entry.id().toString());
        fields.put("at", entry.at().toString());
        fields.put("actor", entry.actor());
        fields.put("action", entry.action().label());
        fields.put("selection", entry.selection());
        fields.put("detail", entry.detail());
        fields.put("touched", entry.touched());
        return fields;
    }

    /** A page as JSON fields: the total, the next cursor, and the items under {@code name}. */
    static Map<String, Object> page(Page<?> page, String name, List<Map<String, Object>> items) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("total", page.total());
        fields.put("nextCursor", page.nextCursor());
        fields.put(name, items);
        return fields;
    }

    /**
     * What follows a page: how many of how many it showed, and where the next page starts.
     *
     * @param noun the plural of what is listed: "dead letters"
     */
    static String footer(Page<?> page, String noun, String filter) {
        String shown = page.items().size() + " of " + page.total() + " " + noun + ("all".equals(filter) ? "" : " matching " + filter);
        return shown + (page.hasNext() ? "; next page: --cursor " + page.nextCursor() : "") + "\n";
    }

    /** The fields of the list, by name, for JSON. */
    static Map<String, Object> summary(DeadLetter letter) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", letter.id().toString());
        fields.put("messageType", letter.envelope().messageType());
        fields.put("endpoint", letter.endpoint() == null ? null : letter.endpoint().toString());
        fields.put("reason", letter.reason());
        fields.put("exceptionType", letter.exceptionType());
        fields.put("exceptionMessage", letter.exceptionMessage());
        fields.put("attempts", letter.attempts());
        fields.put("failedAt", letter.failedAt().toString());
        fields.put("replayedAt", letter.isReplayed() ? letter.replay().at().toString() : null);
        fields.put("replayedBy", letter.isReplayed() ? letter.replay().by() : null);
        fields.put("replayedAs", letter.isReplayed() ? letter.replay().envelopeId().toString() : null);
        return fields;
    }

    static String full(DeadLetter letter) {
        Envelope envelope = letter.envelope();
        StringBuilder text = new StringBuilder();
        field(text, "id", letter.id());
        field(text, "message type", envelope.messageType());
        field(text, "endpoint", letter.endpoint());
        field(text, "reason", letter.reason());
        field(text, "exception type", letter.exceptionType());
        field(text, "exception message", letter.exceptionMessage());
        field(text, "attempts", letter.attempts());
        field(text, "failed at", letter.failedAt());
        field(text, "replayed", letter.isReplayed() ? letter.replay().at() + " by " + letter.replay().by()
                + (letter.replay().envelopeId().equals(letter.id()) ? "" : ", edited, as " + letter.replay().envelopeId()) : null);
        field(text, "sent at", envelope.sentAt());
        field(text, "source", envelope.source());
        field(text, "destination", envelope.destination());
        field(text, "reply to", envelope.replyTo());
        field(text, "correlation id", envelope.correlationId());
        field(text, "causation id", envelope.causationId());
        field(text, "scheduled time", envelope.scheduledTime());
        field(text, "deliver by", envelope.deliverBy());
        field(text, "content type", envelope.contentType());
        text.append("headers:").append(envelope.headers().isEmpty() ? " none\n" : "\n");
        envelope.headers().forEach((name, value) -> text.append("  ").append(name).append(": ").append(value).append('\n'));
        text.append("body:").append(body(envelope.body())).append('\n');
        text.append("stack trace:").append(letter.stackTrace() == null ? " none\n" : "\n" + indent(letter.stackTrace()));
        return text.toString();
    }

    private static void field(StringBuilder text, String name, Object value) {
        text.append(String.format("%-18s %s%n", name + ":", value == null ? "-" : value));
    }

    private static String body(byte[] body) {
        if (body == null) {
            return " none";
        }
        String size = " " + body.length + " bytes";
        try {
            String utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            boolean cut = utf8.length() > BODY_SHOWN;
            return size + (cut ? ", the first " + BODY_SHOWN + " characters:" : "") + "\n" + indent(cut ? utf8.substring(0, BODY_SHOWN) : utf8);
        } catch (CharacterCodingException binary) {
            return size + " (binary, not shown)";
        }
    }

    private static String indent(String text) {
        return text.strip().lines().map(line -> "  " + line).reduce((a, b) -> a + "\n" + b).orElse("") + "\n";
    }
}
