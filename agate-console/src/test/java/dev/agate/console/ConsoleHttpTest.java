package dev.agate.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.ScheduledFilter;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's rules over plain HTTP, on a real SQLite store: read only refuses every action; a form without
 * the CSRF token, or posted from another origin, is refused; HTTP Basic keeps strangers out; a confirmation
 * whose count changed meanwhile does nothing and asks again; scheduled messages are listed, rescheduled and
 * cancelled; every action lands in the audit with the user.
 */
class ConsoleHttpTest {
    static final URI WORK = URI.create("local://work");

    TestDatabase db;
    JdbcMessageStore store;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void open() throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.SQLITE);
        store = JdbcMessageStore.builder(db.url).build();
        store.start();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        db.close();
    }

    private UUID deadLetter(String type) {
        Envelope envelope = Envelope.builder().id(UUID.randomUUID()).messageType(type).contentType("application/json")
                .body("{\"n\":1}".getBytes(StandardCharsets.UTF_8)).destination(WORK).build();
        Instant now = Instant.now();
        store.deadLetters().moveFromInbox(new DeadLetter(envelope, WORK, "boom", "java.lang.IllegalStateException", "boom", null, 1, now),
                now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)));
        return envelope.id();
    }

    private AgateConsole.Server serve(boolean writable, ConsoleAuthenticator authenticator) throws Exception {
        return AgateConsole.builder(store).writable(writable).authenticator(authenticator).build()
                .serve(new InetSocketAddress("127.0.0.1", 0));
    }

    private static String base(AgateConsole.Server server) {
        return "http://127.0.0.1:" + server.address().getPort();
    }

    /** A browser's session: the CSRF cookie from a first GET. */
    private final class Session {
        final String base;
        final String cookie;
        final String csrf;

        Session(AgateConsole.Server server) throws Exception {
            base = base(server);
            HttpResponse<String> first = get("/dead-letters", null);
            String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            csrf = cookie.substring(cookie.indexOf('=') + 1);
        }

        HttpResponse<String> get(String path, String cookieHeader) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
            if (cookieHeader != null) {
                b.header("Cookie", cookieHeader);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> get(String path) throws Exception {
            return get(path, cookie);
        }

        HttpResponse<String> post(String path, Map<String, String> form, String origin) throws Exception {
            String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
            if (origin != null) {
                b.header("Origin", origin);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static Map<String, String> form(String... kv) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put(kv[i], kv[i + 1]);
        }
        return map;
    }

    @Test
    void readOnlyShowsEverythingAndRefusesEveryAction() throws Exception {
        UUID id = deadLetter("OrderPlaced");
        try (AgateConsole.Server server = serve(false, ConsoleAuthenticator.anyone())) {
            Session s = new Session(server);
            String detail = s.get("/dead-letters/" + id).body();
            assertThat(detail).contains("OrderPlaced", "java.lang.IllegalStateException", "read only").doesNotContain("edit-replay", "id=\"replay\"");
            HttpResponse<String> refused = s.post("/dead-letters/act", form("csrf", s.csrf, "action", "replay", "id", id.toString()), null);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(store.deadLetters().find(id).orElseThrow().isReplayed()).isFalse();
        }
    }

    @Test
    void aFormWithoutTheTokenOrFromAnotherOriginIsRefused() throws Exception {
        UUID id = deadLetter("OrderPlaced");
        try (AgateConsole.Server server = serve(true, ConsoleAuthenticator.anyone())) {
            Session s = new Session(server);
            assertThat(s.post("/dead-letters/act", form("action", "delete", "id", id.toString(), "expected", "1"), null).statusCode())
                    .isEqualTo(403);
            assertThat(s.post("/dead-letters/act", form("csrf", "0".repeat(32), "action", "delete", "id", id.toString(), "expected", "1"), null)
                    .statusCode()).isEqualTo(403);
            assertThat(s.post("/dead-letters/act", form("csrf", s.csrf, "action", "delete", "id", id.toString(), "expected", "1"),
                    "https://evil.example").statusCode()).isEqualTo(403);
            assertThat(s.post("/dead-letters/act", form("csrf", s.csrf, "action", "delete", "id", id.toString()), null).statusCode())
                    .as("a deletion that was not confirmed").isEqualTo(400);
            assertThat(store.deadLetters().find(id)).isPresent();
            assertThat(s.get("/dead-letters/" + id + "?confirm=delete").body()).contains("id=\"confirm-count\">1<");
            HttpResponse<String> done = s.post("/dead-letters/act", form("csrf", s.csrf, "action", "delete", "id", id.toString(),
                    "expected", "1"), s.base);
            assertThat(done.statusCode()).isEqualTo(303);
            assertThat(store.deadLetters().find(id)).isEmpty();
        }
    }

    @Test
    void httpBasicKeepsStrangersOutAndTheAuditNamesTheUser() throws Exception {
        deadLetter("OrderPlaced");
        deadLetter("OrderPlaced");
        try (AgateConsole.Server server = serve(true, ConsoleAuthenticator.basic("ops", "s3cret"))) {
            HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(URI.create(base(server) + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stranger.statusCode()).isEqualTo(401);
            assertThat(stranger.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            String auth = "Basic " + Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(base(server) + "/dead-letters?type=OrderPlaced&confirm=replay"))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).contains("id=\"confirm-count\">2<");
            String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
            cookie = cookie.substring(0, cookie.indexOf(';'));
            String csrf = cookie.substring(cookie.indexOf('=') + 1);
            HttpResponse<String> replayed = http.send(HttpRequest.newBuilder(URI.create(base(server) + "/dead-letters/act"))
                    .header("Authorization", auth).header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&action=replay&expected=2&type=OrderPlaced&replayed=no"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(replayed.statusCode()).isEqualTo(303);
            assertThat(store.deadLetters().count(DeadLetterFilter.builder().replayed(true).build())).isEqualTo(2);
            assertThat(store.admin().audit(dev.agate.PageRequest.newestFirst(10)).items())
                    .anySatisfy(entry -> assertThat(entry.toString()).contains("ops").containsIgnoringCase("replay"));
            String audit = http.send(HttpRequest.newBuilder(URI.create(base(server) + "/audit")).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(audit).contains("id=\"total\">1<", "<td>ops</td>", "OrderPlaced");
        }
    }

    @Test
    void aConfirmationWhoseCountChangedDoesNothingAndAsksAgain() throws Exception {
        deadLetter("OrderPlaced");
        deadLetter("OrderPlaced");
        try (AgateConsole.Server server = serve(true, ConsoleAuthenticator.anyone())) {
            Session s = new Session(server);
            assertThat(s.get("/dead-letters?type=OrderPlaced&confirm=delete").body()).contains("id=\"confirm-count\">2<");
            deadLetter("OrderPlaced"); // another failure meanwhile
            HttpResponse<String> changed = s.post("/dead-letters/act",
                    form("csrf", s.csrf, "action", "delete", "expected", "2", "type", "OrderPlaced", "replayed", "any"), null);
            assertThat(changed.statusCode()).isEqualTo(409);
            assertThat(changed.body()).contains("changed from 2 to 3", "id=\"confirm-count\">3<");
            assertThat(store.deadLetters().count(DeadLetterFilter.all())).isEqualTo(3);
            HttpResponse<String> done = s.post("/dead-letters/act",
                    form("csrf", s.csrf, "action", "delete", "expected", "3", "type", "OrderPlaced", "replayed", "any"), null);
            assertThat(done.statusCode()).isEqualTo(303);
            assertThat(done.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).contains("done=delete%3A3"));
            assertThat(store.deadLetters().count(DeadLetterFilter.all())).isZero();
            assertThat(s.get("/dead-letters?not-a-filter=1&since=yesterday").statusCode()).as("a bad instant").isEqualTo(400);
            assertThat(s.get("/dead-letters?cursor=garbage").statusCode()).as("a bad cursor").isEqualTo(400);
        }
    }

    @Test
    void scheduledMessagesAreListedRescheduledAndCancelled() throws Exception {
        Instant later = Instant.now().plus(Duration.ofDays(2));
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        for (UUID id : List.of(first, second)) {
            Envelope envelope = Envelope.builder().id(id).messageType("Reminder").contentType("application/json")
                    .body("{}".getBytes(StandardCharsets.UTF_8)).destination(WORK).scheduledTime(later).build();
            store.inbox().store(null, WORK, List.of(envelope), 0, Instant.now());
        }
        try (AgateConsole.Server server = serve(true, ConsoleAuthenticator.anyone())) {
            Session s = new Session(server);
            String list = s.get("/scheduled?type=Reminder").body();
            assertThat(list).contains("id=\"total\">2<", first.toString(), second.toString());
            Instant christmas = Instant.parse("2030-12-24T18:00:00Z");
            assertThat(s.post("/scheduled/act", form("csrf", s.csrf, "action", "reschedule", "id", first.toString(), "at", christmas.toString()),
                    null).statusCode()).isEqualTo(303);
            assertThat(store.scheduled().query(ScheduledFilter.ids(first), dev.agate.PageRequest.first(10)).items())
                    .singleElement().satisfies(m -> assertThat(m.dueAt()).isEqualTo(christmas));
            assertThat(s.post("/scheduled/act", form("csrf", s.csrf, "action", "cancel", "expected", "2", "type", "Reminder"), null)
                    .statusCode()).isEqualTo(303);
            assertThat(store.scheduled().count(ScheduledFilter.all())).isZero();
            Matcher total = Pattern.compile("id=\"total\">(\\d+)<").matcher(s.get("/scheduled").body());
            assertThat(total.find()).isTrue();
            assertThat(total.group(1)).isEqualTo("0");
        }
    }
}
