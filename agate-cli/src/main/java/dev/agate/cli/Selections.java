package dev.agate.cli;

import dev.agate.DeadLetterFilter;
import dev.agate.ScheduledFilter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options that select dead letters and scheduled messages, shared by the commands that list them and those
 * that act on them. An action needs a selection (ids, filters or {@code --all}) and refuses to run without one,
 * so that a forgotten argument never replays, deletes or cancels everything.
 */
final class Selections {
    private Selections() {
    }

    /** Filters of dead letters: {@code --type --exception --message --endpoint --since --until --replayed}. */
    static final class DeadLetterOptions {
        @Option(names = "--type", paramLabel = "TYPE", description = "Of this message type.")
        String type;

        @Option(names = "--exception", paramLabel = "CLASS", description = "Failed with this exception class (its full name, as `show` prints it).")
        String exception;

        @Option(names = "--message", paramLabel = "TEXT", description = "Whose exception message contains TEXT, ignoring case.")
        String message;

        @Option(names = "--endpoint", paramLabel = "URI", description = "Failed at this endpoint, e.g. local://payments.")
        String endpoint;

        @Option(names = "--since", paramLabel = "WHEN", description = "Failed at or after WHEN: an instant (2025-06-01T10:15:00Z) or an age (30m, 2h, 3d).")
        String since;

        @Option(names = "--until", paramLabel = "WHEN", description = "Failed before WHEN: an instant or an age.")
        String until;

        @Option(names = "--replayed", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
                description = "Only those replayed (--replayed), or only those not replayed (--replayed=false).")
        Boolean replayed;

        boolean any() {
            return type != null || exception != null || message != null || endpoint != null || since != null || until != null || replayed != null;
        }

        DeadLetterFilter.Builder builder(Instant now) {
            return DeadLetterFilter.builder().messageType(type).exceptionType(exception).exceptionMessage(message)
                    .endpoint(uri("--endpoint", endpoint)).since(since == null ? null : When.past("--since", since, now))
                    .until(until == null ? null : When.past("--until", until, now)).replayed(replayed);
        }
    }

    /** Filters of scheduled messages: {@code --type --endpoint --due-since --due-until}. */
    static final class ScheduledOptions {
        @Option(names = "--type", paramLabel = "TYPE", description = "Of this message type.")
        String type;

        @Option(names = "--endpoint", paramLabel = "URI", description = "Going to this endpoint, e.g. local://reminders.")
        String endpoint;

        @Option(names = {"--due-since", "--since"}, paramLabel = "WHEN",
                description = "Due at or after WHEN: an instant (2025-06-01T10:15:00Z), an age back from now (2h) or +DURATION from now (+10m).")
        String dueSince;

        @Option(names = {"--due-until", "--until"}, paramLabel = "WHEN", description = "Due before WHEN, written as for --due-since.")
        String dueUntil;

        boolean any() {
            return type != null || endpoint != null || dueSince != null || dueUntil != null;
        }

        ScheduledFilter.Builder builder(Instant now) {
            return ScheduledFilter.builder().messageType(type).endpoint(uri("--endpoint", endpoint))
                    .dueSince(due("--due-since", dueSince, now)).dueUntil(due("--due-until", dueUntil, now));
        }

        private static Instant due(String option, String text, Instant now) {
            return text == null ? null : text.strip().startsWith("+") ? When.at(option, text, now) : When.past(option, text, now);
        }
    }

    /** How an action is confirmed and who it is audited as: shared by every command that changes rows. */
    static final class Confirmation {
        @Option(names = "--yes", description = "Do not ask for confirmation.")
        boolean yes;

        @Option(names = "--actor", paramLabel = "NAME", description = "Who asks, for the audit (default: the user running the command).")
        String actor;

        /** Asks the person at the terminal to confirm {@code action} unless --yes; see {@link AgateCli#confirm}. */
        void confirm(AgateCli root, String action) {
            root.confirm(yes, action);
        }

        /** The actor the audit names. */
        String actor(AgateCli root) {
            return root.actor(actor);
        }
    }

    /** What an action acts on: ids, filters, or {@code --all}. */
    static final class Target {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "By envelope id (as `list` prints them); with filters, those of the ids that match.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--all", description = "Everything (alone: not with ids or filters).")
        boolean all;

        /** The ids given, checked. */
        List<UUID> ids(String what) {
            List<UUID> parsed = new ArrayList<>();
            for (String id : ids) {
                parsed.add(id(id, what));
            }
            return parsed;
        }

        /** Checks that exactly one kind of selection was given. */
        void check(boolean filters, String verb, String what, String filterNames) {
            if (all && (filters || !ids.isEmpty())) {
                throw CommandException.usage("--all selects every " + what + ": give it alone, without ids or filters");
            }
            if (!all && !filters && ids.isEmpty()) {
                throw CommandException.usage("name the " + what + "s to " + verb + ": ID..., filters (" + filterNames + ") or --all");
            }
        }
    }

    static UUID id(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw CommandException.usage("'" + id + "' is not a " + what + " id: ids are UUIDs, as `list` prints them");
        }
    }

    private static URI uri(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return new URI(text.strip());
        } catch (URISyntaxException e) {
            throw CommandException.usage(option + " '" + text + "' is not a URI: give an endpoint such as local://payments");
        }
    }
}
