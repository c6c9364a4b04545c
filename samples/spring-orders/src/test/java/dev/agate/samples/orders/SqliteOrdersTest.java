package dev.agate.samples.orders;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The sample on its embedded default, an SQLite file (here a fresh one in a temporary directory). */
class SqliteOrdersTest extends OrdersEndToEndTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws IOException {
        Path dir = Files.createTempDirectory("spring-orders");
        properties.add("orders.data-dir", dir::toString);
    }
}
