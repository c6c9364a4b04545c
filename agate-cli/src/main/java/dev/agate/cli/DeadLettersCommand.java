package dev.agate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code agate dead-letters list|show|replay|delete|edit|audit}. Replay and delete act on a selection (ids,
 * filters, or {@code --all}) and refuse to run without one; they first count what they will touch and ask the
 * person at the terminal to confirm that count ({@code --yes} skips the question, for scripts; without a terminal
 * and without {@code --yes} they refuse). The store does the work in bounded batches and audits it.
 */
@Command(name = "dead-letters", description = "List, show, replay, delete or edit and replay dead letters; read the audit.",
        subcommands = {DeadLettersCommand.ListCommand.class, DeadLettersCommand.Replay.class, DeadLettersCommand.Delete.class,
                DeadLettersCommand.Edit.class, DeadLettersCommand.Audit.class})
final class DeadLettersCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String FILTERS = "--type, --exception, --message, --endpoint, --since, --until, --replayed";

    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandException.usage("name a dead-letters command: list, show, replay, delete, edit or audit (see: agate dead-letters --help)");
    }

    @Command(name = "list", description = "List dead letters, oldest first, with how many match and where the next page starts.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Mixin
        Selections.DeadLetterOptions filters;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N on this page (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "The page after the one that printed this cursor (same filters).")
        String cursor;

        @Option(names = "--newest-first", description = "Newest first.")
        boolean newestFirst;

        @Option(names = "--json", description = "Print a JSON object (total, nextCursor, deadLetters) instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PageRequest page = page(limit, cursor, newestFirst);
            DeadLetterFilter filter = filters.builder(Instant.now()).build();
            Page<DeadLetter> letters;
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                letters = store.deadLetters().query(filter, page);
            }
            PrintWriter out = parent.out();
            if (json) {
                out.println(JSON.writeValueAsString(DeadLetterText.page(letters, "deadLetters",
                        letters.items().stream().map(DeadLetterText::summary).toList())));
            } else if (letters.total() == 0) {
                out.println(filter.isAll() ? "no dead letters" : "no dead letters match " + filter);
            } else {
                out.print(DeadLetterText.table(letters.items()));
                out.print(DeadLetterText.footer(letters, "dead letters", filter.toString()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Show one dead letter in full: why it failed, the stack trace, the envelope's headers and body, its replay.")
    int show(@Parameters(paramLabel = "ID", description = "The envelope id.") String id) {
        UUID uuid = Selections.id(id, "dead letter");
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            DeadLetter letter = store.deadLetters().find(uuid).orElseThrow(() -> unknown(uuid, store));
            out().print(DeadLetterText.full(letter));
            out().flush();
            return 0;
        }
    }

    @Command(name = "replay", description = "Put the selected dead letters back into the inbox as incoming, unowned, attempts reset: the next node"
            + " that recovers their endpoint handles them again. Each is kept, marked replayed; one replayed already is skipped.")
    static final class Replay implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Mixin
        Selections.Target target;

        @Mixin
        Selections.DeadLetterOptions filters;

        @Mixin
        Selections.Confirmation confirmation;

        @Override
        public Integer call() {
            DeadLetterFilter filter = parent.selection(target, filters, "replay");
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                parent.checkIdsExist(store, target.ids("dead letter"));
                long waiting = store.deadLetters().count(filter.notReplayed());
                if (waiting == 0) {
                    long matching = store.deadLetters().count(filter);
                    parent.out().println("nothing to replay: " + (matching == 0 ? none(filter)
                            : "the " + count(matching) + (filter.isAll() ? "" : " matching " + filter) + (matching == 1 ? " was" : " were")
                            + " replayed already"));
                    return 0;
                }
                confirmation.confirm(parent.root, "replay " + count(waiting) + (filter.isAll() ? "" : " matching " + filter) + " into the inbox");
                ActionResult result = store.deadLetters().replay(filter, confirmation.actor(parent.root), Instant.now());
                parent.out().println("replayed " + count(result.touched()) + " into the inbox"
                        + (result.skipped() == 0 ? "" : "; skipped " + result.skipped() + " (replayed already, or with no endpoint to replay to)"));
                return 0;
            }
        }
    }

    @Command(name = "delete", aliases = "purge", description = "Delete the selected dead letters for good, replayed or not.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Mixin
        Selections.Target target;

        @Mixin
        Selections.DeadLetterOptions filters;

        @Mixin
        Selections.Confirmation confirmation;

        @Override
        public Integer call() {
            DeadLetterFilter filter = parent.selection(target, filters, "delete");
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                parent.checkIdsExist(store, target.ids("dead letter"));
                long matching = store.deadLetters().count(filter);
                if (matching == 0) {
                    parent.out().println("nothing to delete: " + none(filter));
                    return 0;
                }
                confirmation.confirm(parent.root, "delete " + count(matching) + (filter.isAll() ? "" : " matching " + filter) + " for good");
                ActionResult result = store.deadLetters().delete(filter, confirmation.actor(parent.root), Instant.now());
                parent.out().println("deleted " + count(result.touched()));
                return 0;
            }
        }
    }

    @Command(name = "edit", description = "Edit and replay: put the dead letter's envelope back with a new body or headers, as a new envelope"
            + " (a new id, the header agate-replaces naming this one). The dead letter is kept, marked replayed as the new id.")
    static final class Edit implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Parameters(paramLabel = "ID", description = "The dead letter's envelope id.")
        String id;

        @Option(names = "--body", paramLabel = "FILE", description = "The new body, read from FILE, or from standard input for -.")
        String body;

        @Option(names = "--header", paramLabel = "NAME=VALUE", description = "Set a header (repeat for more).")
        List<String> headers = new ArrayList<>();

        @Option(names = "--remove-header", paramLabel = "NAME", description = "Remove a header (repeat for more).")
        List<String> removed = new ArrayList<>();

        @Option(names = "--actor", paramLabel = "NAME", description = "Who asks, for the audit (default: the user running the command).")
        String actor;

        @Override
        public Integer call() {
            UUID uuid = Selections.id(id, "dead letter");
            EnvelopeEdit.Builder edit = EnvelopeEdit.builder();
            if (body != null) {
                edit.body(read(body, parent.root.stdin()));
            }
            for (String header : headers) {
                int equals = header.indexOf('=');
                if (equals <= 0) {
                    throw CommandException.usage("--header '" + header + "' must be NAME=VALUE");
                }
                edit.header(header.substring(0, equals), header.substring(equals + 1));
            }
            removed.forEach(edit::removeHeader);
            if (body == null && headers.isEmpty() && removed.isEmpty()) {
                throw CommandException.usage("say what to change: --body FILE|-, --header NAME=VALUE or --remove-header NAME");
            }
            EnvelopeEdit changes = edit.build();
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                DeadLetter letter = store.deadLetters().find(uuid).orElseThrow(() -> unknown(uuid, store));
                if (!letter.isReplayable()) {
                    throw CommandException.failure("dead letter " + uuid + " has no endpoint to replay it to (" + letter.reason() + ")");
                }
                ActionResult result = store.deadLetters().replayEdited(uuid, changes, parent.root.actor(actor), Instant.now());
                if (result.touched() == 0) {
                    parent.out().println("dead letter " + uuid + " was replayed already" + (result.envelopeId() == null ? "" : ", as " + result.envelopeId())
                            + ": nothing replayed");
                } else {
                    parent.out().println("replayed " + uuid + " edited (" + changes.describe() + ") as " + result.envelopeId() + " to " + letter.endpoint());
                }
                return 0;
            }
        }

        private static byte[] read(String source, InputStream stdin) {
            try {
                return source.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(source));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw CommandException.usage("cannot read the body from " + (source.equals("-") ? "standard input" : "'" + source + "'") + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "audit", description = "List the operators' actions on this store (replays, deletes, edits, cancels, reschedules), newest first.")
    static final class Audit implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N on this page (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "The page after the one that printed this cursor.")
        String cursor;

        @Option(names = "--json", description = "Print a JSON object (total, nextCursor, entries) instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PageRequest page = cursor == null ? PageRequest.newestFirst(checkLimit(limit)) : PageRequest.after(cursor, checkLimit(limit));
            Page<AuditEntry> entries;
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                entries = store.admin().audit(page);
            }
            PrintWriter out = parent.out();
            if (json) {
                out.println(JSON.writeValueAsString(DeadLetterText.page(entries, "entries", entries.items().stream().map(DeadLetterText::summary).toList())));
            } else if (entries.total() == 0) {
                out.println("no actions audited");
            } else {
                out.print(DeadLetterText.auditTable(entries.items()));
                out.print(DeadLetterText.footer(entries, "audit entries", "all"));
            }
            out.flush();
            return 0;
        }
    }

    /** The filter of an action's selection, checked. */
    DeadLetterFilter selection(Selections.Target target, Selections.DeadLetterOptions filters, String verb) {
        target.check(filters.any(), verb, "dead letter", FILTERS);
        return filters.builder(Instant.now()).ids(target.ids("dead letter")).build();
    }

    /** Fails when ids were given and none names a dead letter: a mistyped id is an error, not "nothing to do". */
    void checkIdsExist(JdbcMessageStore store, List<UUID> ids) {
        if (!ids.isEmpty() && store.deadLetters().count(DeadLetterFilter.ids(ids)) == 0) {
            throw ids.size() == 1 ? unknown(ids.get(0), store)
                    : CommandException.failure("none of the " + ids.size() + " ids names a dead letter on " + store.description());
        }
    }

    /** The first page, or the page after a cursor, checked against {@code --newest-first}. */
    static PageRequest page(int limit, String cursor, boolean newestFirst) {
        checkLimit(limit);
        if (cursor == null) {
            return newestFirst ? PageRequest.newestFirst(limit) : PageRequest.first(limit);
        }
        PageRequest page = PageRequest.after(cursor, limit);
        if (newestFirst && !page.isNewestFirst()) {
            throw CommandException.usage("this cursor continues an oldest-first listing: drop --newest-first, or start again without --cursor");
        }
        return page;
    }

    static int checkLimit(int limit) {
        if (limit < 1 || limit > PageRequest.MAX_LIMIT) {
            throw CommandException.usage("--limit must be 1 to " + PageRequest.MAX_LIMIT + ", not " + limit);
        }
        return limit;
    }

    private static String none(DeadLetterFilter filter) {
        return filter.isAll() ? "no dead letters" : "no dead letters match " + filter;
    }

    static CommandException unknown(UUID id, JdbcMessageStore store) {
        return CommandException.failure("no dead letter with id " + id + " on " + store.description());
    }

    static String count(long n) {
        return n + (n == 1 ? " dead letter" : " dead letters");
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
