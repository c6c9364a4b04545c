package dev.agate.samples.orders;

import dev.agate.jdbc.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The sample on PostgreSQL (127.0.0.1:5432), in a database of its own that is dropped afterwards. */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PostgresOrdersTest extends OrdersEndToEndTest {
    static TestDatabase db;
    static ConfigurableApplicationContext context;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        properties.add("spring.datasource.url", () -> db.url);
        properties.add("spring.datasource.hikari.maximum-pool-size", () -> "10");
    }

    @Autowired
    void context(ConfigurableApplicationContext applicationContext) {
        context = applicationContext;
    }

    @AfterAll
    static void drop() throws Exception {
        // The host and the pool stop before their database goes.
        if (context != null) {
            context.close();
        }
        db.close();
    }
}
