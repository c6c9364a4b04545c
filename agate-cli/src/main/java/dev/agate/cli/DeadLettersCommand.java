package dev.agate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agate.DeadLetter;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code agate dead-letters list|show|replay|purge}. Replay and purge act on what a selector names (one id,
 * one message type, or {@code --all}) and refuse to run without one, so a forgotten argument never
 * replays or deletes everything.
 */
@Command(name = "dead-letters", description = "List, show, replay or purge dead letters.")
final class DeadLettersCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    /** Which dead letters replay and purge act on: exactly one of the three. */
    static final class Selector {
        @Parameters(paramLabel = "ID", description = "One dead letter, by its envelope id.")
        String id;

        @Option(names = "--type", paramLabel = "TYPE", description = "Every dead letter of this message type.")
        String messageType;

        @Option(names = "--all", description = "Every dead letter.")
        boolean all;
    }

    @Override
    public void run() {
        throw CommandException.usage("name a dead-letters command: list, show, replay or purge (see: agate dead-letters --help)");
    }

    @Command(name = "list", description = "List dead letters, oldest first.")
    int list(@Option(names = "--type", paramLabel = "TYPE", description = "Only this message type.") String messageType,
             @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N (default: ${DEFAULT-VALUE}).") int limit,
             @Option(names = "--json", description = "Print a JSON array instead of a table.") boolean json) throws Exception {
        if (limit < 1) {
            throw CommandException.usage("--limit must be at least 1, not " + limit);
        }
        List<DeadLetter> letters;
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            letters = store.deadLetters().list(messageType, limit);
        }
        if (json) {
            out().println(JSON.writeValueAsString(letters.stream().map(DeadLetterText::summary).toList()));
        } else if (letters.isEmpty()) {
            out().println(messageType == null ? "no dead letters" : "no dead letters of type " + messageType);
        } else {
            out().print(DeadLetterText.table(letters));
        }
        out().flush();
        return 0;
    }

    @Command(name = "show", description = "Show one dead letter in full: why it failed, the stack trace, the envelope's headers.")
    int show(@Parameters(paramLabel = "ID", description = "The envelope id.") String id) {
        UUID uuid = parseId(id);
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            DeadLetter letter = store.deadLetters().find(uuid).orElseThrow(() -> unknown(uuid, store));
            out().print(DeadLetterText.full(letter));
            out().flush();
            return 0;
        }
    }

    @Command(name = "replay", description = "Move dead letters back into the inbox as incoming, unowned, attempts reset:"
            + " the next node that recovers its endpoint handles them again.")
    int replay(@ArgGroup(exclusive = true, multiplicity = "1") Selector selector) {
        UUID id = selector.id == null ? null : parseId(selector.id);
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            List<DeadLetter> replayed = store.deadLetters().replay(id, selector.messageType);
            if (id != null && replayed.isEmpty()) {
                throw unknown(id, store);
            }
            for (DeadLetter letter : replayed) {
                out().println("replayed " + letter.id() + " " + letter.envelope().messageType() + " to " + letter.endpoint());
            }
            out().println("replayed " + count(replayed.size()) + " into the inbox");
            return 0;
        }
    }

    @Command(name = "purge", description = "Delete dead letters for good.")
    int purge(@ArgGroup(exclusive = true, multiplicity = "1") Selector selector) {
        UUID id = selector.id == null ? null : parseId(selector.id);
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            int purged = store.deadLetters().purge(id, selector.messageType);
            if (id != null && purged == 0) {
                throw unknown(id, store);
            }
            out().println("purged " + count(purged));
            return 0;
        }
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw CommandException.usage("'" + id + "' is not a dead letter id: ids are UUIDs, as `agate dead-letters list` shows them");
        }
    }

    private static CommandException unknown(UUID id, JdbcMessageStore store) {
        return CommandException.failure("no dead letter with id " + id + " on " + store.description());
    }

    private static String count(int n) {
        return n + (n == 1 ? " dead letter" : " dead letters");
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
