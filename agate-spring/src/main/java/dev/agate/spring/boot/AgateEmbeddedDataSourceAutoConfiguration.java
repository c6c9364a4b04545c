package dev.agate.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import dev.agate.jdbc.SqliteStoreProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * An application with the starter and no database configured gets Agate's embedded default, an SQLite
 * file, as its DataSource (the way Spring Boot gives one an embedded H2 when H2 is on the class path): Agate
 * keeps its tables there, and what a {@code @Transactional} method writes and sends commits together.
 * Without it, Spring Boot's DataSource auto-configuration stops the start ("Failed to determine a suitable
 * driver class") before Agate's embedded store could be used.
 *
 * <p>Only when nothing else says where the data goes: no {@code DataSource} bean, no
 * {@code spring.datasource.url} or {@code jndi-name}, no {@code agate.store.url}, and no embedded database
 * of Spring Boot's own (H2, HSQLDB, Derby) on the class path. The file is
 * {@link SqliteStoreProvider#file(String)}'s, named after the service, and logged at start.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration", // Spring Boot 3.x
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"}) // Spring Boot 4.x
@ConditionalOnClass(name = {"dev.agate.jdbc.JdbcMessageStore", "com.zaxxer.hikari.HikariDataSource", "org.sqlite.JDBC"})
@ConditionalOnMissingClass({"org.h2.Driver", "org.hsqldb.jdbc.JDBCDriver", "org.apache.derby.jdbc.EmbeddedDriver"})
@ConditionalOnMissingBean(DataSource.class)
@Conditional(AgateEmbeddedDataSourceAutoConfiguration.NoDatabaseConfigured.class)
public class AgateEmbeddedDataSourceAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgateEmbeddedDataSourceAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    public HikariDataSource dataSource(Environment environment) {
        String service = environment.getProperty("agate.service-name", environment.getProperty("spring.application.name", "agate"));
        Path file = SqliteStoreProvider.file(service);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of Agate's embedded database " + file, e);
        }
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setPoolName("agate-embedded");
        // What Agate's own SQLite pool uses: a busy timeout, and transactions that take the write lock as they begin.
        dataSource.setJdbcUrl("jdbc:sqlite:" + file + "?busy_timeout=10000&transaction_mode=IMMEDIATE&journal_mode=WAL");
        dataSource.setMaximumPoolSize(8);
        log.info("no database is configured: the application's DataSource is Agate's embedded SQLite file {}; set"
                + " spring.datasource.url to use your own database", file);
        return dataSource;
    }

    /** Nothing says where the application's data goes. */
    static final class NoDatabaseConfigured implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment environment = context.getEnvironment();
            return !environment.containsProperty("spring.datasource.url") && !environment.containsProperty("spring.datasource.jndi-name")
                    && !environment.containsProperty("agate.store.url");
        }
    }
}
