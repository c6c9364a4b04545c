package dev.agate.samples.orders;

import dev.agate.jdbc.TestDatabase;
import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;

/** The sample on PostgreSQL (127.0.0.1:5432), in a database of its own that is dropped afterwards. */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestExecutionListeners(listeners = PostgresOrdersTest.DropDatabase.class, mergeMode = TestExecutionListeners.MergeMode.MERGE_WITH_DEFAULTS)
class PostgresOrdersTest extends OrdersEndToEndTest {
    static TestDatabase db;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        properties.add("spring.datasource.url", () -> db.url);
        properties.add("spring.datasource.hikari.maximum-pool-size", () -> "10");
    }

    /**
     * Drops the database once the context (the host, then the pool) is closed: "after" callbacks run in
     * reverse order, so the first listener's runs after the one that closes the dirtied context.
     */
    static final class DropDatabase implements TestExecutionListener, Ordered {
        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }

        @Override
        public void afterTestClass(TestContext testContext) throws Exception {
            if (db != null) {
                db.close();
                db = null;
            }
        }
    }
}
