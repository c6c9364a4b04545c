package dev.agate.samples.orders;

import dev.agate.ErrorPolicy;
import dev.agate.spring.boot.AgateHostCustomizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * The shop: {@code POST /orders} places an order with Spring Data JPA and sends {@link OrderPlaced} in the
 * same transaction; {@link ShippingHandler} ships it through the carrier's HTTP API from a durable local
 * queue, retrying while the carrier fails. See this sample's README for what to try.
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(OrdersApplication.class);
        application.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event ->
                createSqliteDirectory(event.getEnvironment().getProperty("spring.datasource.url", "")));
        application.run(args);
    }

    /** SQLite creates its file but not the directory; the pool opens it before anything else would. */
    private static void createSqliteDirectory(String url) {
        if (!url.startsWith("jdbc:sqlite:")) {
            return;
        }
        Path file = Path.of(url.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", "")).toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + file, e);
        }
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The error policy, in code (the durable queue is in application.properties): a carrier that fails is
     * tried again twice within a second, then on a schedule kept in the database, so it survives a restart,
     * for about two minutes in all; after that the message is dead-lettered, and
     * {@code bin/agate dead-letters replay} brings it back.
     */
    @Bean
    AgateHostCustomizer carrierRetries() {
        return builder -> builder
                .onError(ErrorPolicy.on(CarrierClient.CarrierUnavailableException.class)
                        .retryWithCooldown(Duration.ofMillis(250), Duration.ofSeconds(1))
                        .scheduleRetry(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
                                Duration.ofMinutes(1))
                        .deadLetter());
    }
}
