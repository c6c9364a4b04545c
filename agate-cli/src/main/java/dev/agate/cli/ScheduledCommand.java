package dev.agate.cli;

import dev.agate.ActionResult;
import dev.agate.Durability;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code agate scheduled list|cancel|reschedule}: the scheduled messages in the store, which the running nodes
 * fire when they come due. Cancel and reschedule act on a selection and confirm its count as dead-letters replay
 * does; a message a node fires while it is cancelled ends fired or cancelled, never both.
 */
@Command(name = "scheduled", description = "List, cancel or reschedule scheduled messages.",
        subcommands = {ScheduledCommand.ListCommand.class, ScheduledCommand.Cancel.class, ScheduledCommand.Reschedule.class})
final class ScheduledCommand implements Runnable {
    private static final String FILTERS = "--type, --endpoint, --due-since, --due-until";

    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandException.usage("name a scheduled command: list, cancel or reschedule (see: agate scheduled --help)");
    }

    @Command(name = "list", description = "List scheduled messages, soonest due first, with how many match and where the next page starts.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        ScheduledCommand parent;

        @Mixin
        Selections.ScheduledOptions filters;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N on this page (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "The page after the one that printed this cursor (same filters).")
        String cursor;

        @Option(names = "--latest-first", description = "Latest due first.")
        boolean latestFirst;

        @Option(names = "--json", description = "Print a JSON object (total, nextCursor, scheduled) instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PageRequest page = DeadLettersCommand.page(limit, cursor, latestFirst);
            ScheduledFilter filter = filters.builder(Instant.now()).build();
            Page<ScheduledMessage> messages;
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                messages = store.scheduled().query(filter, page);
            }
            PrintWriter out = parent.out();
            if (json) {
                out.println(DeadLettersCommand.JSON.writeValueAsString(DeadLetterText.page(messages, "scheduled",
                        messages.items().stream().map(DeadLetterText::summary).toList())));
            } else if (messages.total() == 0) {
                out.println(filter.isAll() ? "no scheduled messages" : "no scheduled messages match " + filter);
            } else {
                out.print(DeadLetterText.scheduledTable(messages.items()));
                out.print(DeadLetterText.footer(messages, "scheduled messages", filter.toString()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "cancel", description = "Cancel the selected scheduled messages: never fired, and a resend of one is a duplicate.")
    static final class Cancel implements Callable<Integer> {
        @ParentCommand
        ScheduledCommand parent;

        @Mixin
        Selections.Target target;

        @Mixin
        Selections.ScheduledOptions filters;

        @Mixin
        Selections.Confirmation confirmation;

        @Override
        public Integer call() {
            ScheduledFilter filter = parent.selection(target, filters, "cancel");
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                long matching = parent.matching(store, filter, target);
                if (matching == 0) {
                    parent.out().println("nothing to cancel: no scheduled messages match " + filter);
                    return 0;
                }
                confirmation.confirm(parent.root, "cancel " + count(matching) + (filter.isAll() ? "" : " matching " + filter));
                Instant now = Instant.now();
                // The ids stay known as the hosts' default deduplication horizon says, so a resend is a duplicate.
                ActionResult result = store.scheduled().cancel(filter, confirmation.actor(parent.root), now,
                        now.plus(Durability.defaults().deduplicationHorizon()));
                parent.out().println("cancelled " + count(result.touched()));
                return 0;
            }
        }
    }

    @Command(name = "reschedule", description = "Make the selected scheduled messages due at another time, or now.")
    static final class Reschedule implements Callable<Integer> {
        @ParentCommand
        ScheduledCommand parent;

        @Mixin
        Selections.Target target;

        @Mixin
        Selections.ScheduledOptions filters;

        static final class Time {
            @Option(names = "--at", paramLabel = "WHEN", required = true,
                    description = "The new time: an instant (2025-06-01T10:15:00Z) or +DURATION from now (+10m, +2h).")
            String at;

            @Option(names = "--now", required = true, description = "Due now: the next node to poll fires them.")
            boolean now;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Time when;

        @Mixin
        Selections.Confirmation confirmation;

        @Override
        public Integer call() {
            Instant now = Instant.now();
            Instant at = when.now ? now : When.at("--at", when.at, now);
            ScheduledFilter filter = parent.selection(target, filters, "reschedule");
            try (JdbcMessageStore store = parent.root.storeSettings().openChecked()) {
                long matching = parent.matching(store, filter, target);
                if (matching == 0) {
                    parent.out().println("nothing to reschedule: no scheduled messages match " + filter);
                    return 0;
                }
                confirmation.confirm(parent.root, "reschedule " + count(matching) + (filter.isAll() ? "" : " matching " + filter) + " to " + at);
                ActionResult result = store.scheduled().reschedule(filter, at, confirmation.actor(parent.root), Instant.now());
                parent.out().println("rescheduled " + count(result.touched()) + " to " + at
                        + (result.skipped() == 0 ? "" : "; skipped " + result.skipped() + " due then already"));
                return 0;
            }
        }
    }

    ScheduledFilter selection(Selections.Target target, Selections.ScheduledOptions filters, String verb) {
        target.check(filters.any(), verb, "scheduled message", FILTERS);
        return filters.builder(Instant.now()).ids(target.ids("scheduled message")).build();
    }

    /** How many match; fails when ids were given and none names a scheduled message (fired or cancelled already, or mistyped). */
    long matching(JdbcMessageStore store, ScheduledFilter filter, Selections.Target target) {
        java.util.List<java.util.UUID> ids = target.ids("scheduled message");
        if (!ids.isEmpty() && store.scheduled().count(ScheduledFilter.builder().ids(ids).build()) == 0) {
            throw CommandException.failure((ids.size() == 1 ? "no scheduled message with id " + ids.get(0) : "none of the " + ids.size()
                    + " ids names a scheduled message") + " on " + store.description() + " (fired or cancelled already?)");
        }
        return store.scheduled().count(filter);
    }

    static String count(long n) {
        return n + (n == 1 ? " scheduled message" : " scheduled messages");
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
