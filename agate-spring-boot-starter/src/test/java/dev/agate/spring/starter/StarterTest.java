package dev.agate.spring.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.spi.MessageStore;
import dev.agate.spring.SpringMessageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * The starter is all an application needs: with it alone on the class path (and an SQLite URL), a Spring
 * Boot application finds Agate's auto-configuration, puts the store on its DataSource, and a
 * {@code @Transactional} method's message is handled after its commit and not at all after its rollback.
 */
class StarterTest {

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

    @Test
    void anApplicationWithTheStarterSendsInItsTransactionsThroughItsOwnDatabase(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.db");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=jdbc:sqlite:" + file + "?busy_timeout=10000&transaction_mode=IMMEDIATE",
                        "agate.durable-local-queues=true", "agate.shutdown-timeout=3s")
                .run()) {
            assertThat(context.getBean(MessageStore.class)).isInstanceOf(SpringMessageStore.class);
            assertThat(context.getBean(AgateHost.class).isRunning()).isTrue();
            context.getBean(JdbcTemplate.class).execute("CREATE TABLE guests (name VARCHAR(40) NOT NULL)");
            Guestbook guestbook = context.getBean(Guestbook.class);
            Greeter greeter = context.getBean(Greeter.class);

            guestbook.sign("ada", false);
            assertThatThrownBy(() -> guestbook.sign("bob", true)).hasMessage("the pen broke");
            await().atMost(Duration.ofSeconds(10)).until(() -> greeter.greeted.contains("hello ada"));
            assertThat(context.getBean(JdbcTemplate.class).queryForList("SELECT name FROM guests", String.class)).containsExactly("ada");
            // Handled and committed: a local envelope with an id Agate made leaves no row once its handling commits.
            await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(MessageStore.class).admin().counts().incoming() == 0);
            assertThat(greeter.greeted).containsExactly("hello ada");
            assertThat(context.getBean(MessageStore.class).admin().counts().incoming()).isZero();
        }
        assertThat(Files.exists(file)).isTrue();
    }
}
