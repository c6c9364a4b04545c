package dev.agate.console.internal;

import static dev.agate.console.internal.Html.age;
import static dev.agate.console.internal.Html.escape;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.StoreStatus;
import dev.agate.console.ConsoleRequest;
import dev.agate.console.ConsoleResponse;
import dev.agate.spi.NodeRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The console's pages and actions. GETs only read; every POST checks the CSRF token (the double-submit
 * cookie, and the Origin when the browser sends one), and changes nothing until a confirmation that names
 * the exact count was posted back with that count: when the count changed meanwhile (another operator, a
 * second click), the confirmation is shown again with the new count instead. After an action the browser is
 * redirected (post/redirect/get), so reloading the result page does nothing again.
 */
public final class Pages {
    static final String CSRF_COOKIE = "agate-console-csrf";
    private static final int PAGE_SIZE = 50;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConsoleStore store;
    private final String service;
    private final boolean writable;
    private final Clock clock;

    public Pages(ConsoleStore store, String service, boolean writable, Clock clock) {
        this.store = store;
        this.service = service;
        this.writable = writable;
        this.clock = clock;
    }

    /** Answers one request of {@code user} (already authenticated). */
    public ConsoleResponse answer(ConsoleRequest request, String user) {
        String csrf = request.cookies().get(CSRF_COOKIE);
        Map<String, String> headers = new LinkedHashMap<>();
        if (csrf == null || csrf.length() != 32) {
            csrf = HexFormat.of().formatHex(randomBytes());
            headers.put("Set-Cookie", CSRF_COOKIE + "=" + csrf + "; Path=" + (request.base().isEmpty() ? "/" : request.base())
                    + "; HttpOnly; SameSite=Strict");
        }
        headers.put("Cache-Control", "no-store");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'");
        Context c = new Context(request, user, csrf, headers);
        try {
            ConsoleResponse response = "POST".equals(request.method()) ? post(c) : get(c);
            if (response.status() == 303) {
                Map<String, String> with = new LinkedHashMap<>(response.headers());
                with.putAll(headers);
                return new ConsoleResponse(303, response.contentType(), with, response.body());
            }
            return response;
        } catch (BadRequest | IllegalArgumentException e) { // a bad filter, cursor or edit: nothing was done
            return c.page(400, "Bad request", "<h1>Bad request</h1><p class=\"note\">" + escape(e.getMessage()) + "</p>");
        } catch (RuntimeException e) {
            return c.page(500, "Error", "<h1>The store could not answer</h1><p class=\"note\">" + escape(e.getMessage() == null ? e.toString()
                    : e.getMessage()) + "</p><p>Nothing was changed unless a message above says so. Reload to try again.</p>");
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private ConsoleResponse get(Context c) {
        String path = c.request.path();
        if (path.equals("/") || path.isEmpty()) {
            return overview(c);
        }
        if (path.equals("/dead-letters")) {
            return deadLetters(c);
        }
        if (path.startsWith("/dead-letters/")) {
            return deadLetter(c, id(path.substring("/dead-letters/".length())));
        }
        if (path.equals("/scheduled")) {
            return scheduled(c);
        }
        if (path.equals("/audit")) {
            return audit(c);
        }
        return c.page(404, "Not found", "<h1>Not found</h1><p>" + escape(path) + "</p>");
    }

    private ConsoleResponse post(Context c) {
        if (!writable) {
            return c.page(403, "Read only", "<h1>Read only</h1><p class=\"note\">This console was started without write access."
                    + " Start it with <code>--write</code> (or <code>agate.console.writable=true</code>) to act.</p>");
        }
        String given = c.request.parameter("csrf");
        String origin = c.request.header("origin");
        String host = c.request.header("host");
        if (given == null || !given.equals(c.request.cookies().get(CSRF_COOKIE))
                || origin != null && host != null && !"null".equals(origin) && !URI.create(origin).getAuthority().equals(host)) {
            return c.page(403, "Refused", "<h1>Refused</h1><p class=\"note\">The form did not come from this console (its"
                    + " security token is missing or stale). Go back, reload the page and try again.</p>");
        }
        return switch (c.request.path()) {
            case "/dead-letters/act" -> actOnDeadLetters(c);
            case "/dead-letters/edit" -> editAndReplay(c);
            case "/scheduled/act" -> actOnScheduled(c);
            default -> c.page(404, "Not found", "<h1>Not found</h1>");
        };
    }

    // ---------------------------------------------------------------- overview

    private ConsoleResponse overview(Context c) {
        StoreStatus status = store.status();
        Instant now = clock.instant();
        StringBuilder b = new StringBuilder("<h1>Overview</h1>");
        Map<URI, long[]> counts = new LinkedHashMap<>();
        Map<URI, Instant[]> oldest = new LinkedHashMap<>();
        for (StoreStatus.Pending p : status.pending()) {
            int i = p.kind().ordinal();
            counts.computeIfAbsent(p.endpoint(), e -> new long[4])[i] += p.count();
            oldest.computeIfAbsent(p.endpoint(), e -> new Instant[3])[i] = p.oldest();
        }
        for (StoreStatus.DeadLetterCount d : status.deadLetters()) {
            counts.computeIfAbsent(d.endpoint(), e -> new long[4])[3] += d.count();
            oldest.computeIfAbsent(d.endpoint(), e -> new Instant[3]);
        }
        b.append("<h2>What waits, per endpoint</h2>");
        if (counts.isEmpty()) {
            b.append("<p class=\"muted\">Nothing waits: no incoming, scheduled or outgoing envelope, no dead letter.</p>");
        } else {
            b.append("<table id=\"pending\"><tr><th>endpoint</th><th>incoming</th><th>oldest incoming</th><th>scheduled</th>"
                    + "<th>next due</th><th>outgoing</th><th>oldest outgoing</th><th>dead letters</th></tr>");
            counts.forEach((endpoint, n) -> {
                Instant[] o = oldest.get(endpoint);
                b.append("<tr><td>").append(endpoint == null ? "(none)" : escape(endpoint)).append("</td>")
                        .append(countCell(n[0])).append(ageCell(o[0], now))
                        .append(countCell(n[1])).append("<td>").append(o[1] == null ? "" : escape(age(o[1], now))).append("</td>")
                        .append(countCell(n[2])).append(ageCell(o[2], now)).append("<td class=\"n\">");
                if (n[3] > 0) {
                    String link = c.base() + "/dead-letters" + (endpoint == null ? "" : "?endpoint=" + Html.url(endpoint.toString()));
                    b.append("<a href=\"").append(escape(link)).append("\">").append(n[3]).append("</a>");
                }
                b.append("</td></tr>");
            });
            b.append("</table><p class=\"muted\">An oldest age in red (over 5 minutes) is work that may be stuck: a latched"
                    + " sender, a destination that is down, a queue whose workers are busy or a node that stopped.</p>");
        }
        b.append("<h2>Dead letters: ").append(status.deadLetterCount()).append("</h2>");
        if (!status.deadLetters().isEmpty()) {
            b.append("<table id=\"dead-letter-counts\"><tr><th>message type</th><th>exception</th><th>count</th></tr>");
            for (StoreStatus.DeadLetterCount d : status.deadLetters()) {
                String link = c.base() + "/dead-letters?" + Html.query(mapOf("type", d.messageType(), "exception", d.exceptionType(),
                        "replayed", "any"));
                b.append("<tr><td>").append(escape(d.messageType())).append("</td><td>").append(escape(d.exceptionType() == null
                        ? "(none)" : d.exceptionType())).append("</td><td class=\"n\"><a href=\"").append(escape(link)).append("\">")
                        .append(d.count()).append("</a></td></tr>");
            }
            b.append("</table>");
        }
        b.append("<h2>Nodes</h2><table id=\"nodes\"><tr><th>id</th><th>service</th><th>started</th><th>last heartbeat</th><th></th></tr>");
        for (NodeRegistry.Node node : status.nodes()) {
            b.append("<tr><td class=\"n\">").append(node.id()).append("</td><td>").append(escape(node.serviceName()))
                    .append("</td><td>").append(escape(node.startedAt())).append("</td><td>")
                    .append(escape(age(node.heartbeatAt(), now))).append(" ago</td><td>")
                    .append(node.id() == status.leaderId() ? "<strong>leader</strong>" : "").append("</td></tr>");
        }
        b.append("</table>");
        if (status.leaderId() == 0) {
            b.append("<p class=\"warn\">No node holds the leader's lease: nobody recovers the envelopes of nodes that stopped.</p>");
        }
        return c.page(200, "Overview", b.toString());
    }

    private static String countCell(long n) {
        return "<td class=\"n\">" + (n == 0 ? "" : n) + "</td>";
    }

    private static String ageCell(Instant oldest, Instant now) {
        if (oldest == null) {
            return "<td></td>";
        }
        boolean stuck = oldest.isBefore(now.minusSeconds(300));
        return "<td" + (stuck ? " class=\"warn\"" : "") + ">" + escape(age(oldest, now)) + "</td>";
    }

    // ---------------------------------------------------------------- dead letters

    private ConsoleStore.Filter filterOf(ConsoleRequest r) {
        String replayed = r.parameter("replayed");
        Boolean wanted = replayed == null || "no".equals(replayed) ? Boolean.FALSE : "yes".equals(replayed) ? Boolean.TRUE : null;
        String endpoint = r.parameter("endpoint");
        return new ConsoleStore.Filter(r.parameter("type"), r.parameter("exception"), r.parameter("message"),
                endpoint == null ? null : uri(endpoint), instant(r.parameter("since")), instant(r.parameter("until")), wanted);
    }

    private static Map<String, String> filterParameters(ConsoleStore.Filter f) {
        return mapOf("type", f.messageType(), "exception", f.exceptionType(), "message", f.messageText(),
                "endpoint", f.endpoint() == null ? null : f.endpoint().toString(), "since", f.since() == null ? null : f.since().toString(),
                "until", f.until() == null ? null : f.until().toString(),
                "replayed", f.replayed() == null ? "any" : f.replayed() ? "yes" : "no");
    }

    private ConsoleResponse deadLetters(Context c) {
        ConsoleStore.Filter filter = filterOf(c.request);
        ConsoleStore.Page<ConsoleStore.Letter> page = store.deadLetters(filter, c.request.parameter("cursor"), PAGE_SIZE);
        Instant now = clock.instant();
        StringBuilder b = new StringBuilder("<h1>Dead letters</h1>");
        done(c, b);
        b.append("<form class=\"filters\" method=\"get\" action=\"").append(c.base()).append("/dead-letters\">")
                .append(field("type", "message type", filter.messageType()))
                .append(field("exception", "exception type", filter.exceptionType()))
                .append(field("message", "exception message contains", filter.messageText()))
                .append(field("endpoint", "endpoint", filter.endpoint()))
                .append(field("since", "failed since (ISO instant)", filter.since()))
                .append(field("until", "failed before", filter.until()))
                .append("<label>replayed<select name=\"replayed\">")
                .append(option("no", "not replayed", Boolean.FALSE.equals(filter.replayed())))
                .append(option("yes", "replayed", Boolean.TRUE.equals(filter.replayed())))
                .append(option("any", "any", filter.replayed() == null))
                .append("</select></label><button type=\"submit\" id=\"apply-filter\">Filter</button></form>");
        b.append("<p><strong id=\"total\">").append(page.total()).append("</strong> dead letter").append(page.total() == 1 ? "" : "s")
                .append(" match.</p>");
        if (writable && page.total() > 0) {
            long replayable = Boolean.TRUE.equals(filter.replayed()) ? 0
                    : store.count(new ConsoleStore.Filter(filter.messageType(), filter.exceptionType(), filter.messageText(),
                    filter.endpoint(), filter.since(), filter.until(), Boolean.FALSE));
            b.append("<div class=\"actions\">");
            if (replayable > 0) {
                b.append(confirmButton(c, "/dead-letters?" + Html.query(filterParameters(filter)) + "&confirm=replay",
                        "Replay all " + replayable + " matching", "replay-all"));
            }
            b.append(confirmButton(c, "/dead-letters?" + Html.query(filterParameters(filter)) + "&confirm=delete",
                    "Delete all " + page.total() + " matching", "delete-all"));
            b.append("</div>");
        }
        String confirm = c.request.parameter("confirm");
        if (writable && confirm != null) {
            b.append(confirmation(c, filter, confirm));
        }
        b.append("<table id=\"dead-letters\"><tr><th>failed</th><th>message type</th><th>exception</th><th>endpoint</th>"
                + "<th>attempts</th><th>replayed</th><th>id</th></tr>");
        for (ConsoleStore.Letter letter : page.items()) {
            DeadLetter d = letter.letter();
            b.append("<tr><td title=\"").append(escape(d.failedAt())).append("\">").append(escape(age(d.failedAt(), now)))
                    .append(" ago</td><td>").append(escape(d.envelope().messageType())).append("</td><td>")
                    .append(escape(d.exceptionType() == null ? d.reason() : d.exceptionType())).append("<br><span class=\"muted\">")
                    .append(escape(abbreviate(d.exceptionMessage(), 140))).append("</span></td><td>").append(escape(d.endpoint()))
                    .append("</td><td class=\"n\">").append(d.attempts()).append("</td><td>")
                    .append(letter.replayed() ? escape(age(letter.replayedAt(), now)) + " ago" : "").append("</td><td><a href=\"")
                    .append(c.base()).append("/dead-letters/").append(d.id()).append("\">").append(d.id()).append("</a></td></tr>");
        }
        b.append("</table>");
        if (page.next() != null) {
            Map<String, String> next = filterParameters(filter);
            next.put("cursor", page.next());
            b.append("<p><a id=\"next-page\" href=\"").append(c.base()).append("/dead-letters?").append(escape(Html.query(next)))
                    .append("\">Next page</a></p>");
        }
        return c.page(200, "Dead letters", b.toString());
    }

    /** The confirmation of an action on every dead letter that matches: the exact count, and the form that does it. */
    private String confirmation(Context c, ConsoleStore.Filter filter, String action) {
        if (!action.equals("replay") && !action.equals("delete")) {
            throw new BadRequest("unknown action '" + action + "'");
        }
        ConsoleStore.Filter target = action.equals("replay") ? new ConsoleStore.Filter(filter.messageType(), filter.exceptionType(),
                filter.messageText(), filter.endpoint(), filter.since(), filter.until(), Boolean.FALSE) : filter;
        long count = store.count(target);
        StringBuilder b = new StringBuilder("<div class=\"note\" id=\"confirmation\"><form method=\"post\" action=\"")
                .append(c.base()).append("/dead-letters/act\">").append(c.csrfField())
                .append(hidden("action", action)).append(hidden("expected", Long.toString(count)));
        filterParameters(target).forEach((k, v) -> b.append(hidden(k, v)));
        b.append("<p>").append(action.equals("replay") ? "Replay" : "Delete <strong>for good</strong>").append(" <strong id=\"confirm-count\">")
                .append(count).append("</strong> dead letter").append(count == 1 ? "" : "s").append(" matching ")
                .append(escape(describe(target))).append("?</p>")
                .append("<button type=\"submit\" id=\"confirm\" class=\"").append(action.equals("delete") ? "danger" : "")
                .append("\">").append(action.equals("replay") ? "Replay " : "Delete ").append(count).append("</button> <a href=\"")
                .append(c.base()).append("/dead-letters?").append(escape(Html.query(filterParameters(filter)))).append("\">Cancel</a></form></div>");
        return b.toString();
    }

    private ConsoleResponse actOnDeadLetters(Context c) {
        String action = c.request.parameter("action");
        String id = c.request.parameter("id");
        if (id != null) {
            UUID uuid = id(id);
            if ("delete".equals(action) && !"1".equals(c.request.parameter("expected"))) {
                throw new BadRequest("a deletion must be confirmed: open the dead letter and confirm it there");
            }
            int n = switch (action == null ? "" : action) {
                case "replay" -> store.replay(uuid, c.user);
                case "delete" -> store.delete(uuid, c.user);
                default -> throw new BadRequest("unknown action '" + action + "'");
            };
            return ConsoleResponse.redirect(c.base() + (action.equals("delete") && n == 1 ? "/dead-letters?done=" : "/dead-letters/" + uuid + "?done=")
                    + Html.url(action + ":" + n));
        }
        ConsoleStore.Filter filter = filterOf(c.request);
        long expected = longParameter(c.request, "expected");
        long now = store.count(filter);
        if (now != expected) {
            // Another operator or a second click acted meanwhile: show what an action would touch now.
            StringBuilder b = new StringBuilder("<h1>Dead letters</h1><p class=\"note\" id=\"changed\">The count changed from ")
                    .append(expected).append(" to ").append(now).append(" since you were asked; nothing was done.</p>");
            if (now > 0) {
                b.append(confirmation(c, filter, action));
            }
            return c.page(409, "Count changed", b.toString());
        }
        int n = switch (action == null ? "" : action) {
            case "replay" -> store.replay(filter, c.user);
            case "delete" -> store.delete(filter, c.user);
            default -> throw new BadRequest("unknown action '" + action + "'");
        };
        Map<String, String> back = filterParameters(filter);
        back.put("done", action + ":" + n);
        return ConsoleResponse.redirect(c.base() + "/dead-letters?" + Html.query(back));
    }

    private ConsoleResponse deadLetter(Context c, UUID id) {
        Optional<ConsoleStore.Letter> found = store.deadLetter(id);
        if (found.isEmpty()) {
            return c.page(404, "Not found", "<h1>No dead letter " + id + "</h1><p>It was deleted, or never was.</p>");
        }
        ConsoleStore.Letter letter = found.get();
        DeadLetter d = letter.letter();
        Envelope e = d.envelope();
        Instant now = clock.instant();
        StringBuilder b = new StringBuilder("<h1>Dead letter ").append(d.id()).append("</h1>");
        done(c, b);
        b.append("<table id=\"summary\">")
                .append(row("message type", e.messageType())).append(row("endpoint", d.endpoint()))
                .append(row("failed", d.failedAt() + " (" + age(d.failedAt(), now) + " ago)")).append(row("attempts", d.attempts()))
                .append(row("reason", d.reason())).append(row("exception", d.exceptionType()))
                .append(row("exception message", d.exceptionMessage()))
                .append(row("replayed", letter.replayed() ? letter.replayedAt() + " by " + letter.replayedBy()
                        + (letter.replacedBy() == null ? "" : ", as " + letter.replacedBy()) : "no"))
                .append(row("sent", e.sentAt())).append(row("source", e.source())).append(row("correlation id", e.correlationId()))
                .append(row("causation id", e.causationId())).append(row("content type", e.contentType())).append("</table>");
        if (writable) {
            b.append("<div class=\"actions\">");
            if (!letter.replayed()) {
                b.append(postButton(c, "/dead-letters/act", Map.of("action", "replay", "id", d.id().toString()), "Replay", "replay", false));
            }
            b.append(confirmButton(c, "/dead-letters/" + d.id() + "?confirm=delete", "Delete", "delete")).append("</div>");
            if ("delete".equals(c.request.parameter("confirm"))) {
                b.append("<div class=\"note\" id=\"confirmation\"><p>Delete <strong id=\"confirm-count\">1</strong> dead letter, this one,"
                        + " <strong>for good</strong>?</p>").append(postButton(c, "/dead-letters/act", Map.of("action", "delete", "id",
                        d.id().toString(), "expected", "1"), "Delete 1", "confirm", true)).append("</div>");
            }
        }
        b.append("<h2>Headers</h2><table id=\"headers\">");
        e.headers().forEach((k, v) -> b.append(row(k, v)));
        b.append("</table><h2>Body</h2><pre id=\"body\">").append(escape(pretty(e.body()))).append("</pre>");
        if (d.stackTrace() != null) {
            b.append("<h2>Stack trace</h2><pre id=\"stack\">").append(escape(d.stackTrace())).append("</pre>");
        }
        if (writable) {
            b.append("<h2>Edit and replay</h2><p>Sends the edited message as a new envelope that records the id it replaces;"
                    + " this dead letter is kept, marked replayed.</p><form method=\"post\" action=\"").append(c.base())
                    .append("/dead-letters/edit\">").append(c.csrfField()).append(hidden("id", d.id().toString()))
                    .append("<textarea name=\"body\" id=\"edit-body\" rows=\"12\">").append(escape(pretty(e.body()))).append("</textarea>")
                    .append("<p><label>headers, one <code>name=value</code> per line (replacing those of the same name)<br>"
                            + "<textarea name=\"headers\" rows=\"3\"></textarea></label></p>")
                    .append("<button type=\"submit\" id=\"edit-replay\">Replay the edited message</button></form>");
        }
        return c.page(200, "Dead letter " + d.id(), b.toString());
    }

    private ConsoleResponse editAndReplay(Context c) {
        UUID id = id(c.request.parameter("id"));
        String body = c.request.parameter("body");
        if (body == null) {
            throw new BadRequest("the edited body is empty");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String lines = c.request.parameter("headers");
        if (lines != null) {
            for (String line : lines.split("\\R")) {
                if (line.isBlank()) {
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq <= 0) {
                    throw new BadRequest("a header line must be name=value: '" + line + "'");
                }
                headers.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        Optional<ConsoleStore.Letter> letter = store.deadLetter(id);
        if (letter.isPresent() && isJson(letter.get().letter().envelope().contentType())) {
            try {
                JSON.readTree(body);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new BadRequest("the edited body is not valid JSON: " + e.getOriginalMessage());
            }
        }
        UUID copy = store.editAndReplay(id, body.getBytes(StandardCharsets.UTF_8), headers, c.user);
        return ConsoleResponse.redirect(c.base() + "/dead-letters/" + id + "?done=" + Html.url("edited:" + copy));
    }

    // ---------------------------------------------------------------- scheduled

    private ConsoleStore.ScheduledFilter scheduledFilterOf(ConsoleRequest r) {
        String endpoint = r.parameter("endpoint");
        return new ConsoleStore.ScheduledFilter(r.parameter("type"), endpoint == null ? null : uri(endpoint),
                instant(r.parameter("from")), instant(r.parameter("until")));
    }

    private static Map<String, String> scheduledParameters(ConsoleStore.ScheduledFilter f) {
        return mapOf("type", f.messageType(), "endpoint", f.endpoint() == null ? null : f.endpoint().toString(),
                "from", f.dueFrom() == null ? null : f.dueFrom().toString(), "until", f.dueUntil() == null ? null : f.dueUntil().toString());
    }

    private ConsoleResponse scheduled(Context c) {
        ConsoleStore.ScheduledFilter filter = scheduledFilterOf(c.request);
        ConsoleStore.Page<ConsoleStore.Scheduled> page = store.scheduled(filter, c.request.parameter("cursor"), PAGE_SIZE);
        Instant now = clock.instant();
        StringBuilder b = new StringBuilder("<h1>Scheduled messages</h1>");
        done(c, b);
        b.append("<form class=\"filters\" method=\"get\" action=\"").append(c.base()).append("/scheduled\">")
                .append(field("type", "message type", filter.messageType())).append(field("endpoint", "endpoint", filter.endpoint()))
                .append(field("from", "due from (ISO instant)", filter.dueFrom())).append(field("until", "due before", filter.dueUntil()))
                .append("<button type=\"submit\">Filter</button></form>");
        b.append("<p><strong id=\"total\">").append(page.total()).append("</strong> scheduled message")
                .append(page.total() == 1 ? "" : "s").append(" match.</p>");
        String confirm = c.request.parameter("confirm");
        if (writable && page.total() > 0) {
            String q = "/scheduled?" + Html.query(scheduledParameters(filter));
            b.append("<div class=\"actions\">").append(confirmButton(c, q + "&confirm=run-now", "Run all " + page.total() + " now", "run-now"))
                    .append(confirmButton(c, q + "&confirm=cancel", "Cancel all " + page.total(), "cancel-all")).append("</div>");
        }
        if (writable && confirm != null) {
            b.append(scheduledConfirmation(c, filter, confirm));
        }
        String cancelOne = c.request.parameter("cancel");
        if (writable && cancelOne != null) {
            UUID one = id(cancelOne);
            b.append("<div class=\"note\" id=\"confirmation\"><p>Cancel <strong id=\"confirm-count\">1</strong> scheduled message, ")
                    .append(one).append(", <strong>for good</strong>?</p>").append(postButton(c, "/scheduled/act", Map.of("action", "cancel",
                    "id", one.toString(), "expected", "1"), "Cancel 1", "confirm", true)).append("</div>");
        }
        b.append("<table id=\"scheduled\"><tr><th>due</th><th>message type</th><th>endpoint</th><th>attempts</th><th>id</th>");
        if (writable) {
            b.append("<th></th>");
        }
        b.append("</tr>");
        for (ConsoleStore.Scheduled s : page.items()) {
            Envelope e = s.envelope();
            b.append("<tr><td title=\"").append(escape(e.scheduledTime())).append("\">").append(escape(age(e.scheduledTime(), now)))
                    .append("</td><td>").append(escape(e.messageType())).append("</td><td>").append(escape(s.endpoint()))
                    .append("</td><td class=\"n\">").append(e.attempts()).append("</td><td>").append(e.id()).append("</td>");
            if (writable) {
                b.append("<td>").append(postButton(c, "/scheduled/act", Map.of("action", "run-now", "id", e.id().toString()), "Run now",
                        "run-" + e.id(), false)).append(confirmButton(c, "/scheduled?" + Html.query(scheduledParameters(filter))
                        + "&cancel=" + e.id(), "Cancel", "cancel-" + e.id())).append("<form method=\"post\" action=\"").append(c.base())
                        .append("/scheduled/act\">").append(c.csrfField()).append(hidden("action", "reschedule"))
                        .append(hidden("id", e.id().toString())).append("<input name=\"at\" placeholder=\"2026-12-24T18:00:00Z\" size=\"22\">"
                        + "<button type=\"submit\">Reschedule</button></form></td>");
            }
            b.append("</tr>");
        }
        b.append("</table>");
        if (page.next() != null) {
            Map<String, String> next = scheduledParameters(filter);
            next.put("cursor", page.next());
            b.append("<p><a href=\"").append(c.base()).append("/scheduled?").append(escape(Html.query(next))).append("\">Next page</a></p>");
        }
        return c.page(200, "Scheduled", b.toString());
    }

    private String scheduledConfirmation(Context c, ConsoleStore.ScheduledFilter filter, String action) {
        if (!action.equals("run-now") && !action.equals("cancel")) {
            throw new BadRequest("unknown action '" + action + "'");
        }
        long count = store.count(filter);
        StringBuilder b = new StringBuilder("<div class=\"note\" id=\"confirmation\"><form method=\"post\" action=\"").append(c.base())
                .append("/scheduled/act\">").append(c.csrfField()).append(hidden("action", action))
                .append(hidden("expected", Long.toString(count)));
        scheduledParameters(filter).forEach((k, v) -> b.append(hidden(k, v)));
        b.append("<p>").append(action.equals("cancel") ? "Cancel (delete for good)" : "Run now").append(" <strong id=\"confirm-count\">")
                .append(count).append("</strong> scheduled message").append(count == 1 ? "" : "s").append("?</p><button type=\"submit\" id=\"confirm\">")
                .append(action.equals("cancel") ? "Cancel " : "Run ").append(count).append("</button> <a href=\"").append(c.base())
                .append("/scheduled?").append(escape(Html.query(scheduledParameters(filter)))).append("\">Back</a></form></div>");
        return b.toString();
    }

    private ConsoleResponse actOnScheduled(Context c) {
        String action = c.request.parameter("action");
        String id = c.request.parameter("id");
        Instant now = clock.instant();
        if (id != null) {
            UUID uuid = id(id);
            if ("cancel".equals(action) && !"1".equals(c.request.parameter("expected"))) {
                throw new BadRequest("a cancellation must be confirmed: use its Cancel button and confirm");
            }
            int n = switch (action == null ? "" : action) {
                case "run-now" -> store.reschedule(uuid, now, c.user);
                case "reschedule" -> store.reschedule(uuid, requiredInstant(c.request.parameter("at")), c.user);
                case "cancel" -> store.cancel(uuid, c.user);
                default -> throw new BadRequest("unknown action '" + action + "'");
            };
            return ConsoleResponse.redirect(c.base() + "/scheduled?done=" + Html.url(action + ":" + n));
        }
        ConsoleStore.ScheduledFilter filter = scheduledFilterOf(c.request);
        long expected = longParameter(c.request, "expected");
        long count = store.count(filter);
        if (count != expected) {
            return c.page(409, "Count changed", "<h1>Scheduled messages</h1><p class=\"note\" id=\"changed\">The count changed from "
                    + expected + " to " + count + " since you were asked; nothing was done.</p>"
                    + (count > 0 ? scheduledConfirmation(c, filter, action) : ""));
        }
        int n = switch (action == null ? "" : action) {
            case "run-now" -> store.reschedule(filter, now, c.user);
            case "cancel" -> store.cancel(filter, c.user);
            default -> throw new BadRequest("unknown action '" + action + "'");
        };
        Map<String, String> back = scheduledParameters(filter);
        back.put("done", action + ":" + n);
        return ConsoleResponse.redirect(c.base() + "/scheduled?" + Html.query(back));
    }

    // ---------------------------------------------------------------- audit

    private ConsoleResponse audit(Context c) {
        ConsoleStore.Page<dev.agate.AuditEntry> page = store.audit(c.request.parameter("cursor"), PAGE_SIZE);
        Instant now = clock.instant();
        StringBuilder b = new StringBuilder("<h1>Audit</h1><p>Every action taken on this store's dead letters and scheduled"
                + " messages, from this console, the command line or the API, newest first: <strong id=\"total\">")
                .append(page.total()).append("</strong> in all.</p><table id=\"audit\"><tr><th>when</th><th>who</th><th>action</th>"
                        + "<th>selection</th><th>rows</th><th>detail</th></tr>");
        for (dev.agate.AuditEntry entry : page.items()) {
            b.append("<tr><td title=\"").append(escape(entry.at())).append("\">").append(escape(age(entry.at(), now))).append(" ago</td><td>")
                    .append(escape(entry.actor())).append("</td><td>").append(escape(entry.action())).append("</td><td>")
                    .append(escape(entry.selection())).append("</td><td class=\"n\">").append(entry.touched()).append("</td><td>")
                    .append(escape(entry.detail())).append("</td></tr>");
        }
        b.append("</table>");
        if (page.next() != null) {
            b.append("<p><a href=\"").append(c.base()).append("/audit?cursor=").append(Html.url(page.next())).append("\">Next page</a></p>");
        }
        return c.page(200, "Audit", b.toString());
    }

    // ---------------------------------------------------------------- pieces

    private static void done(Context c, StringBuilder b) {
        String done = c.request.parameter("done");
        if (done == null) {
            return;
        }
        int colon = done.indexOf(':');
        String what = colon < 0 ? done : done.substring(0, colon);
        String n = colon < 0 ? "" : done.substring(colon + 1);
        String text = switch (what) {
            case "replay" -> "Replayed " + n + " dead letter(s).";
            case "delete" -> "Deleted " + n + " dead letter(s).";
            case "edited" -> "The edited message was sent as envelope " + n + ".";
            case "cancel" -> "Cancelled " + n + " scheduled message(s).";
            case "run-now" -> "Moved " + n + " scheduled message(s) to now.";
            case "reschedule" -> "Rescheduled " + n + " message(s).";
            default -> "";
        };
        b.append("<p class=\"ok\" id=\"done\">").append(escape(text)).append("</p>");
    }

    private static String describe(ConsoleStore.Filter f) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        part(parts, "type ", f.messageType());
        part(parts, "exception ", f.exceptionType());
        part(parts, "message containing ", f.messageText() == null ? null : "\"" + f.messageText() + "\"");
        part(parts, "endpoint ", f.endpoint());
        part(parts, "failed since ", f.since());
        part(parts, "failed before ", f.until());
        part(parts, "", f.replayed() == null ? null : f.replayed() ? "replayed" : "not replayed");
        return parts.isEmpty() ? "anything" : String.join(", ", parts);
    }

    private static void part(java.util.List<String> parts, String label, Object value) {
        if (value != null) {
            parts.add(label + value);
        }
    }

    private static String field(String name, String label, Object value) {
        return "<label>" + escape(label) + "<input name=\"" + name + "\" value=\"" + escape(value) + "\"></label>";
    }

    private static String option(String value, String label, boolean selected) {
        return "<option value=\"" + value + "\"" + (selected ? " selected" : "") + ">" + escape(label) + "</option>";
    }

    private static String hidden(String name, String value) {
        return value == null ? "" : "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
    }

    private static String row(String name, Object value) {
        return "<tr><th>" + escape(name) + "</th><td>" + escape(value) + "</td></tr>";
    }

    /** A link that shows a confirmation (a GET: asking changes nothing). */
    private static String confirmButton(Context c, String target, String label, String id) {
        return "<form method=\"get\" action=\"" + c.base() + target.substring(0, target.indexOf('?')) + "\">"
                + hiddenQuery(target.substring(target.indexOf('?') + 1)) + "<button type=\"submit\" id=\"" + id + "\">" + escape(label)
                + "</button></form>";
    }

    private static String hiddenQuery(String query) {
        StringBuilder b = new StringBuilder();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                b.append(hidden(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)));
            }
        }
        return b.toString();
    }

    private static String postButton(Context c, String path, Map<String, String> fields, String label, String id, boolean danger) {
        StringBuilder b = new StringBuilder("<form method=\"post\" action=\"").append(c.base()).append(path).append("\">").append(c.csrfField());
        fields.forEach((k, v) -> b.append(hidden(k, v)));
        return b.append("<button type=\"submit\" id=\"").append(escape(id)).append("\"").append(danger ? " class=\"danger\"" : "")
                .append(">").append(escape(label)).append("</button></form>").toString();
    }

    private static Map<String, String> mapOf(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static boolean isJson(String contentType) {
        return contentType == null || contentType.contains("json");
    }

    /** A JSON body indented; anything else as UTF-8 text. */
    static String pretty(byte[] body) {
        if (body == null) {
            return "";
        }
        try {
            JsonNode tree = JSON.readTree(body);
            if (tree != null) {
                return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
            }
        } catch (java.io.IOException notJson) {
            // shown as text
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private static UUID id(String text) {
        try {
            return UUID.fromString(text == null ? "" : text.trim());
        } catch (IllegalArgumentException e) {
            throw new BadRequest("'" + text + "' is not an envelope id (a UUID)");
        }
    }

    private static URI uri(String text) {
        try {
            return URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new BadRequest("'" + text + "' is not an endpoint URI");
        }
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequest("'" + text + "' is not an instant such as 2026-12-06T18:00:00Z");
        }
    }

    private static Instant requiredInstant(String text) {
        if (text == null) {
            throw new BadRequest("give the new time, such as 2026-12-24T18:00:00Z");
        }
        return instant(text);
    }

    private static long longParameter(ConsoleRequest r, String name) {
        try {
            return Long.parseLong(r.parameter(name));
        } catch (NumberFormatException | NullPointerException e) {
            throw new BadRequest("the form lacks '" + name + "'; reload the page");
        }
    }

    /** A request's answer in the making: who asks, the CSRF token, the headers every answer gets. */
    private final class Context {
        final ConsoleRequest request;
        final String user;
        final String csrf;
        final Map<String, String> headers;

        Context(ConsoleRequest request, String user, String csrf, Map<String, String> headers) {
            this.request = request;
            this.user = user;
            this.csrf = csrf;
            this.headers = headers;
        }

        String base() {
            return request.base();
        }

        String csrfField() {
            return hidden("csrf", csrf);
        }

        ConsoleResponse page(int status, String title, String body) {
            return ConsoleResponse.html(status, Html.page(request.base(), title, service, writable, body), headers);
        }
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
