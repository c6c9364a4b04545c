package dev.agate.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.StoreAdmin;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The console in headless Chromium (Debian's chromium and chromedriver), against a real PostgreSQL store and
 * a real host that handles what is replayed: 250 dead letters of 3 types and 2 exceptions; a filter shows the
 * right count; "replay all matching", confirmed and then submitted twice (a double click), leaves none of them
 * and runs the handler exactly once per message; an edited payload arrives edited, once; viewing changes
 * nothing; the pages fetch nothing from anywhere else and log no error in the browser's console.
 * {@code -Dconsole.screenshots=DIR} saves a screenshot of each main page there (docs/console holds them).
 */
class ConsoleInBrowserTest {
    public record OrderPlaced(int n) {
    }

    public record PaymentTaken(int n) {
    }

    public record ParcelShipped(int n) {
    }

    /** Counts what it handles, by message type and number. */
    static final class Handlers {
        final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

        private void count(String type, int n) {
            handled.computeIfAbsent(type + ":" + n, k -> new AtomicInteger()).incrementAndGet();
        }

        @Handler
        void on(OrderPlaced m) {
            count("OrderPlaced", m.n());
        }

        @Handler
        void on(PaymentTaken m) {
            count("PaymentTaken", m.n());
        }

        @Handler
        void on(ParcelShipped m) {
            count("ParcelShipped", m.n());
        }
    }

    static final String[] TYPES = {"OrderPlaced", "PaymentTaken", "ParcelShipped"};
    static final String[] EXCEPTIONS = {"java.util.concurrent.TimeoutException", "java.lang.IllegalStateException"};
    static final URI WORK = URI.create("local://work");

    TestDatabase db;
    JdbcMessageStore consoleStore;
    AgateHost host;
    Handlers handlers;
    AgateConsole.Server server;
    ChromeDriver browser;
    String base;
    Path screenshots;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        handlers = new Handlers();
        host = AgateHost.builder().serviceName("shop").store(JdbcMessageStore.builder(db.url).build())
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200)))
                .localQueue(LocalQueue.builder("work").durable().build())
                .route(OrderPlaced.class, "local://work").route(PaymentTaken.class, "local://work").route(ParcelShipped.class, "local://work")
                .handler(handlers).start();
        consoleStore = JdbcMessageStore.builder(db.url).build();
        consoleStore.start();
        seed(consoleStore);
        server = AgateConsole.builder(consoleStore).writable(true).title("shop on PostgreSQL").build()
                .serve(new InetSocketAddress("127.0.0.1", 0));
        base = "http://127.0.0.1:" + server.address().getPort();

        System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createTempDirectory("agate-chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).build(),
                options);
        String dir = System.getProperty("console.screenshots");
        screenshots = dir == null ? null : Files.createDirectories(Path.of(dir));
    }

    /** 250 dead letters: type by n % 3, exception by n % 2, failed a minute apart. */
    private static void seed(JdbcMessageStore store) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int n = 0; n < 250; n++) {
            String type = TYPES[n % 3];
            String exception = EXCEPTIONS[n % 2];
            Envelope envelope = Envelope.builder().id(UUID.randomUUID()).messageType(type).contentType("application/json")
                    .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).destination(WORK).source("shop")
                    .sentAt(now.minusSeconds(60L * (250 - n))).attempts(3).build();
            String message = n % 2 == 0 ? "the carrier did not answer within 2 s" : "order " + n + " is not in the database";
            DeadLetter letter = new DeadLetter(envelope, WORK, exception, exception, message,
                    exception + ": " + message + "\n\tat dev.agate.example.Handler.on(Handler.java:42)", 3, now.minusSeconds(60L * (250 - n)));
            store.deadLetters().moveFromInbox(letter, now.plus(Duration.ofDays(30)), now.plus(Duration.ofDays(7)));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (host != null) {
            host.close();
        }
        if (consoleStore != null) {
            consoleStore.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void anOperatorFiltersReplaysTwiceEditsAndViewsWithoutChangingAnything() throws Exception {
        long started = System.nanoTime();
        StoreAdmin.Counts before = consoleStore.admin().counts();

        // Viewing changes nothing: the overview, the list, a filter, a detail, the scheduled page.
        await().atMost(Duration.ofSeconds(15)).until(() -> consoleStore.admin().status().leaderId() != 0);
        open("/");
        shoot("overview");
        assertThat(text("#dead-letter-counts")).contains("OrderPlaced", "PaymentTaken", "ParcelShipped", "TimeoutException");
        assertThat(text("#pending")).contains("local://work", "250");
        assertThat(text("#nodes")).contains("shop", "leader");
        open("/dead-letters");
        assertThat(text("#total")).isEqualTo("250");
        shoot("dead-letters");
        String anyId = browser.findElement(By.cssSelector("#dead-letters tr:nth-child(2) td:last-child a")).getText();
        open("/dead-letters/" + anyId);
        shoot("dead-letter");
        assertThat(text("#stack")).contains("Handler.java:42");
        open("/scheduled");
        assertThat(consoleStore.admin().counts()).as("viewing changed nothing").isEqualTo(before);

        // A filter: OrderPlaced (n % 3 == 0) that timed out (n % 2 == 0): n % 6 == 0, 42 of them.
        open("/dead-letters");
        fill("type", "OrderPlaced");
        fill("exception", EXCEPTIONS[0]);
        click("apply-filter", "exception=");
        assertThat(text("#total")).isEqualTo("42");

        // Replay all matching: the confirmation names the count; then a double click submits it twice.
        click("replay-all", "confirm=replay");
        assertThat(text("#confirm-count")).isEqualTo("42");
        shoot("confirm-replay");
        ((JavascriptExecutor) browser).executeScript(
                "const f = document.getElementById('confirm').form; f.requestSubmit(); f.requestSubmit();");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.handled.size() == 42);
        Thread.sleep(1500); // a second replay would show within the recovery interval
        for (int n = 0; n < 250; n += 6) {
            assertThat(handlers.handled.get("OrderPlaced:" + n)).as("OrderPlaced %d", n).hasValue(1);
        }
        assertThat(handlers.handled).hasSize(42);
        open("/dead-letters?type=OrderPlaced&exception=" + EXCEPTIONS[0]);
        assertThat(text("#total")).as("none of them is left unreplayed").isEqualTo("0");
        open("/dead-letters");
        assertThat(text("#total")).as("the others are untouched").isEqualTo("208");

        // Edit and replay: a PaymentTaken (n % 3 == 1) goes back with another number, as a new envelope, once.
        open("/dead-letters?type=PaymentTaken");
        String paymentId = browser.findElement(By.cssSelector("#dead-letters tr:nth-child(2) td:last-child a")).getText();
        open("/dead-letters/" + paymentId);
        WebElement body = browser.findElement(By.id("edit-body"));
        body.clear();
        body.sendKeys("{\"n\": 9999}");
        click("edit-replay", "done=edited");
        assertThat(text("#done")).contains("sent as envelope");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.handled.containsKey("PaymentTaken:9999"));
        Thread.sleep(500);
        assertThat(handlers.handled.get("PaymentTaken:9999")).hasValue(1);
        assertThat(handlers.handled).hasSize(43);

        // Nothing from elsewhere, no error in the browser's console.
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name);");
        assertThat(resources).allSatisfy(url -> assertThat(url).startsWith(base));
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertThat(errors).as("the browser's console").isEmpty();
        System.out.printf("console in Chromium: 250 seeded, 42 replayed once after a double submit, 1 edited; %d ms%n",
                (System.nanoTime() - started) / 1_000_000);
    }

    private void open(String path) {
        browser.get(base + path);
    }

    /** Clicks a button and waits for the page it leads to, whose URL contains {@code urlPart}. */
    private void click(String id, String urlPart) {
        browser.findElement(By.id(id)).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.getCurrentUrl().contains(urlPart)
                && "complete".equals(((JavascriptExecutor) browser).executeScript("return document.readyState")));
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText().trim();
    }

    private void fill(String name, String value) {
        WebElement input = browser.findElement(By.name(name));
        input.clear();
        input.sendKeys(value);
    }

    private void shoot(String name) throws Exception {
        if (screenshots != null) {
            Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        }
    }
}
