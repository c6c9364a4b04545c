package dev.agate.cli;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Dead letters as text: a table row each, or everything about one. */
final class DeadLetterText {
    /** Bodies longer than this are cut in {@code show}: it is for reading, not for extracting. */
    private static final int BODY_SHOWN = 4096;

    private DeadLetterText() {
    }

    static String table(List<DeadLetter> letters) {
        TextTable table = new TextTable("ID", "FAILED AT", "ATTEMPTS", "TYPE", "ENDPOINT", "REASON");
        for (DeadLetter letter : letters) {
            table.row(letter.id(), letter.failedAt(), letter.attempts(), letter.envelope().messageType(), letter.endpoint(), letter.reason());
        }
        return table.toString();
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
