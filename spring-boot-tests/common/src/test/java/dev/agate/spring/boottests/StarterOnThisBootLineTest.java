package dev.agate.spring.boottests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.spi.MessageStore;
import dev.agate.spring.SpringMessageStore;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.annotation.Transactional;

/**
 * The starter in a Spring Boot application on PostgreSQL, with nothing but the documented configuration
 * ({@code spring.datasource.url}): the same tests run on each Spring Boot line Agate supports
 * (spring-boot-tests/boot3 and boot4). Agate's store is on the application's DataSource, its tables in the
 * application's database, a {@code @Transactional} method's message is handled once after its commit and
 * never after its rollback, the actuator's health has an "agate" component, and a misspelt {@code agate.*}
 * property stops the start with Spring Boot's report of what is wrong and what to do. With no database
 * configured at all, the application and Agate share the embedded SQLite file.
 */
@ExtendWith(OutputCaptureExtension.class)
class StarterOnThisBootLineTest {
    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    record Greeting(String text) {
    }

    static class Greeter {
        final Set<String> greeted = ConcurrentHashMap.newKeySet();

        @Handler
        void on(Greeting greeting) {
            greeted.add(greeting.text());
        }
    }

    static class Guestbook {
        private final JdbcTemplate jdbc;
        private final MessageBus bus;

        Guestbook(JdbcTemplate jdbc, MessageBus bus) {
            this.jdbc = jdbc;
            this.bus = bus;
        }

        @Transactional
        public void sign(String name, boolean fail) {
            jdbc.update("INSERT INTO guests (name) VALUES (?)", name);
            bus.send(new Greeting("hello " + name));
            if (fail) {
                throw new IllegalStateException("the pen broke");
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
        @Bean
        Greeter greeter() {
            return new Greeter();
        }

        @Bean
        Guestbook guestbook(JdbcTemplate jdbc, MessageBus bus) {
            return new Guestbook(jdbc, bus);
        }
    }

    private String database;
    private ConfigurableApplicationContext context;

    @BeforeEach
    void createDatabase() throws Exception {
        database = "agate_boot_" + SpringBootVersion.getVersion().replaceAll("\\W", "_") + "_" + System.nanoTime();
        admin("CREATE DATABASE " + database);
    }

    @AfterEach
    void dropDatabase() throws Exception {
        if (context != null) {
            context.close();
        }
        admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    private static void admin(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(ADMIN); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private ConfigurableApplicationContext start(String... properties) {
        context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/" + database + "?user=postgres",
                        "agate.shutdown-timeout=3s",
                        // The health endpoint is a bean only where it is exposed; JMX is a technology without a web server.
                        "spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=health",
                        "management.endpoint.health.show-details=always")
                .properties(properties)
                .run();
        return context;
    }

    @Test
    void theseTestsRunOnTheSpringBootLineOfTheirModule() {
        String line = System.getProperty("agate.boot.line");
        System.out.println("Spring Boot " + SpringBootVersion.getVersion() + " (module line " + line + ")");
        assertThat(line).as("agate.boot.line, set by the module's pom").isNotBlank();
        assertThat(SpringBootVersion.getVersion()).startsWith(line);
    }

    @Test
    void aRolledBackSendIsNeverDeliveredAndACommittedOneIsDeliveredOnceThroughTheApplicationsDatabase() throws Exception {
        start();
        MessageStore store = context.getBean(MessageStore.class);
        assertThat(store).as("the store is on the application's DataSource, not an embedded fallback").isInstanceOf(SpringMessageStore.class);
        AgateHost host = context.getBean(AgateHost.class);
        assertThat(host.isRunning()).isTrue();
        assertThat(host.status().store()).startsWith("PostgreSQL").contains(database);
        JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM information_schema.tables WHERE table_catalog = ? AND table_name LIKE 'agate%'",
                Long.class, database)).as("Agate's tables in the application's database").isGreaterThanOrEqualTo(4);
        jdbc.execute("CREATE TABLE guests (name VARCHAR(40) NOT NULL)");
        Guestbook guestbook = context.getBean(Guestbook.class);
        Greeter greeter = context.getBean(Greeter.class);

        guestbook.sign("ada", false);
        assertThatThrownBy(() -> guestbook.sign("bob", true)).hasMessage("the pen broke");

        await().atMost(Duration.ofSeconds(10)).until(() -> greeter.greeted.contains("hello ada"));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.admin().counts().incoming() == 0); // handled: no row left
        // Room for a wrong delivery to show up, had the rolled-back send escaped its transaction.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> greeter.greeted.size() == 1);
        assertThat(greeter.greeted).containsExactly("hello ada");
        assertThat(jdbc.queryForList("SELECT name FROM guests", String.class)).containsExactly("ada");
        assertThat(store.admin().counts().incoming()).isZero();
    }

    @Test
    void withNoDatabaseConfiguredTheApplicationAndAgateShareTheEmbeddedSqliteFile(@TempDir Path dir) {
        Path file = dir.resolve("shop.db");
        System.setProperty("agate.sqlite.file", file.toString()); // where the embedded default puts its file
        try {
            context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties("agate.shutdown-timeout=3s").run();
            MessageStore store = context.getBean(MessageStore.class);
            assertThat(store).isInstanceOf(SpringMessageStore.class);
            assertThat(store.description()).contains(file.toString());
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            jdbc.execute("CREATE TABLE guests (name VARCHAR(40) NOT NULL)");
            Guestbook guestbook = context.getBean(Guestbook.class);
            Greeter greeter = context.getBean(Greeter.class);

            guestbook.sign("ada", false);
            assertThatThrownBy(() -> guestbook.sign("bob", true)).hasMessage("the pen broke");

            await().atMost(Duration.ofSeconds(10)).until(() -> store.admin().counts().incoming() == 0); // handled: no row left
            assertThat(greeter.greeted).containsExactly("hello ada");
            assertThat(jdbc.queryForList("SELECT name FROM guests", String.class)).containsExactly("ada");
            assertThat(Files.exists(file)).isTrue();
        } finally {
            System.clearProperty("agate.sqlite.file");
        }
    }

    @Test
    void aMisspeltAgatePropertyStopsTheStartWithSpringBootsReportOfWhatToDo(CapturedOutput output) {
        assertThatThrownBy(() -> start("agate.durable-local-queus=true")).isInstanceOf(Exception.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Agate has no setting agate.durable-local-queus").contains("did you mean agate.durable-local-queues?")
                .contains("Correct or remove it");
    }

    @Test
    void aDatabaseThatRefusesTheLoginStopsTheStartAtOnceWithItsCauseFirst(CapturedOutput output) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> start("spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/" + database + "?user=agate_no_such_role"))
                .isInstanceOf(Exception.class);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("refused login: the start failed after " + millis + " ms");
        assertThat(millis).as("well within the default store start timeout of 10 s").isLessThan(10_000);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Description:" + System.lineSeparator() + System.lineSeparator() + "FATAL: role \"agate_no_such_role\" does not exist")
                .contains("agate.durability.store-start-timeout");
    }

    /** Two DataSources, neither @Primary: which one holds the application's data is not Agate's guess. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class TwoDatabases {
        @Bean
        DataSource ordersDataSource() {
            return new DriverManagerDataSource(ADMIN);
        }

        @Bean
        DataSource reportsDataSource() {
            return new DriverManagerDataSource(ADMIN);
        }
    }

    @Test
    void twoDataSourcesAndNonePrimaryStopTheStartAtOnceInsteadOfAStoreBesideThem(CapturedOutput output) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> new SpringApplicationBuilder(TwoDatabases.class).web(WebApplicationType.NONE)
                .properties("agate.shutdown-timeout=3s").run()).isInstanceOf(Exception.class);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("two DataSources, none primary: the start failed after " + millis + " ms");
        assertThat(millis).isLessThan(10_000);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("2 DataSources (ordersDataSource, reportsDataSource) and none is @Primary")
                .contains("@Primary").contains("agate.store.url");
    }

    @Test
    void aDatabaseThatCannotBeReachedStopsTheStartWithinTheStoreStartTimeoutWithItsCauseFirst(CapturedOutput output) {
        long started = System.nanoTime();
        // Nothing listens on port 1: every connection is refused, as when the server is down.
        assertThatThrownBy(() -> start("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/" + database + "?user=postgres"))
                .isInstanceOf(Exception.class);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("unreachable database: the start failed after " + millis + " ms");
        assertThat(millis).as("the default store start timeout of 10 s, and little more").isLessThan(15_000);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Description:" + System.lineSeparator() + System.lineSeparator()
                        + "Connection refused: cannot reach the message store, PostgreSQL 127.0.0.1:1/")
                .contains("agate.durability.store-start-timeout");
    }

    @Test
    void aDatabaseWithoutAgatesTablesStopsTheStartWhenTheSchemaIsOnlyValidated(CapturedOutput output) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> start("agate.store.schema-mode=validate")).isInstanceOf(Exception.class);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("missing schema: the start failed after " + millis + " ms");
        // Retried until the store start timeout: a migration beside this process may be creating them.
        assertThat(millis).as("the default store start timeout of 10 s, and little more").isLessThan(15_000);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Description:" + System.lineSeparator() + System.lineSeparator()
                        + "the Agate tables (agate_incoming_envelopes and others) are missing at")
                .contains("create them with `agate schema apply --db URL`");
    }

    @Test
    void theActuatorsHealthHasAnAgateComponentWithTheStore() throws Exception {
        start();
        // The health endpoint's types differ between the lines (Boot 4 moved them), so it is read by reflection.
        Object endpoint = context.getBean("healthEndpoint");
        Method forPath = endpoint.getClass().getMethod("healthForPath", String[].class);
        Object agate = forPath.invoke(endpoint, (Object) new String[] {"agate"});
        assertThat(agate).as("an \"agate\" health component").isNotNull();
        assertThat(agate.getClass().getMethod("getStatus").invoke(agate)).hasToString("UP");
        Map<?, ?> details = (Map<?, ?>) agate.getClass().getMethod("getDetails").invoke(agate);
        assertThat(details.get("store")).asString().startsWith("PostgreSQL");
        assertThat(details.get("running")).isEqualTo(true);

        context.getBean(AgateHost.class).close();
        Object afterClose = forPath.invoke(endpoint, (Object) new String[] {"agate"});
        assertThat(afterClose.getClass().getMethod("getStatus").invoke(afterClose)).hasToString("DOWN");
    }
}
