package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.MessageStore;
import dev.agate.spring.SpringMessageStore;
import dev.agate.spring.SpringTestSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * What stops an application at start-up instead of letting it run wrongly: a misspelt {@code agate.*}
 * property, and DataSources that Agate cannot put its store on (which used to fall back, silently, to an
 * embedded store beside the application's database). Each failure is reported by
 * {@link AgateFailureAnalyzer} as what is wrong and what to do. And the one explicit choice that is not
 * atomic, a separate store, is said at start-up.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupChecksTest {
    record Invoice(int id) {
    }

    static class Billing {
        @Handler
        void on(Invoice invoice) {
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TransactionAutoConfiguration.class, AgateAutoConfiguration.class))
            .withBean(Billing.class)
            .withPropertyValues(SpringTestSupport.FAST.toArray(String[]::new));

    private static AgateConfigurationException agateFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AgateConfigurationException agate) {
                return agate;
            }
        }
        throw new AssertionError("no AgateConfigurationException in " + failure, failure);
    }

    @Test
    void aMisspeltPropertyFailsTheStartNamingItAndTheClosestSetting() {
        runner.withPropertyValues("agate.durable-local-queus=true").run(context -> {
            assertThat(context).hasFailed();
            AgateConfigurationException failure = agateFailure(context.getStartupFailure());
            assertThat(failure.description()).contains("agate.durable-local-queus").contains("did you mean agate.durable-local-queues?");

            FailureAnalysis analysis = new AgateFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).isEqualTo(failure.description());
            assertThat(analysis.getAction()).contains("Correct or remove it");
            System.out.println("misspelt property, as Spring Boot reports it:\n" + analysis.getDescription() + "\n" + analysis.getAction());
        });
    }

    @Test
    void anUnknownSettingOfAQueueAndAnUnknownBranchAreEachNamed() {
        runner.withPropertyValues("agate.local-queues.orders.paralelism=2", "agate.durabilty.batch-size=10").run(context -> {
            AgateConfigurationException failure = agateFailure(context.getStartupFailure());
            assertThat(failure.description())
                    .contains("agate.local-queues.orders.paralelism").contains("did you mean agate.local-queues.*.parallelism?")
                    .contains("agate.durabilty.batch-size").contains("did you mean agate.durability.batch-size?");
        });
    }

    @Test
    void everyFormSpringBootBindsOfAKnownSettingIsAccepted() {
        runner.withPropertyValues("agate.durableLocalQueues=false", "agate.shutdown_timeout=3s", "agate.local-queues.orders.parallelism=2",
                        "agate.local-queues.Orders-Two.sequential=true", "agate.routes[" + Invoice.class.getName() + "]=local://billing",
                        "agate.durability.deduplication-horizon=1h", "agate.store.schema-mode=none")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void jvmSystemPropertiesAndEnvironmentVariablesAreLeftToTheToolsThatReadThem() {
        System.setProperty("agate.db.url", "jdbc:sqlite:elsewhere.db"); // as the command line's AGATE_DB_URL would be
        try {
            runner.run(context -> assertThat(context).hasNotFailed());
        } finally {
            System.clearProperty("agate.db.url");
        }
    }

    @Test
    void twoDataSourcesAndNonePrimaryFailTheStartInsteadOfFallingBackToAnEmbeddedStore() {
        runner.withPropertyValues("agate.durable-local-queues=true")
                .withBean("ordersDataSource", DataSource.class, () -> new DriverManagerDataSource("jdbc:sqlite::memory:"))
                .withBean("reportsDataSource", DataSource.class, () -> new DriverManagerDataSource("jdbc:sqlite::memory:"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    AgateConfigurationException failure = agateFailure(context.getStartupFailure());
                    assertThat(failure.description()).contains("2 DataSources (ordersDataSource, reportsDataSource) and none is @Primary");
                    assertThat(failure.action()).contains("@Primary").contains("agate.store.url").contains("MessageStore bean");
                });
    }

    @Test
    void withOneOfThemPrimaryTheStoreIsOnThePrimaryOne() throws Exception {
        try (TestDatabase orders = TestDatabase.create(TestDatabase.Kind.SQLITE); TestDatabase reports = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            runner.withPropertyValues("agate.durable-local-queues=true")
                    .withBean("ordersDataSource", DataSource.class, () -> new DriverManagerDataSource(orders.url), bean -> bean.setPrimary(true))
                    .withBean("reportsDataSource", DataSource.class, () -> new DriverManagerDataSource(reports.url))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        SpringMessageStore store = (SpringMessageStore) context.getBean(MessageStore.class);
                        assertThat(store.description()).contains(orders.name);
                    });
        }
    }

    @Test
    void aSeparateStoreBesideTheApplicationsDataSourceIsSaidAtStartToBeNotAtomicWithIt(CapturedOutput output) throws Exception {
        try (TestDatabase app = TestDatabase.create(TestDatabase.Kind.SQLITE); TestDatabase own = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            runner.withPropertyValues("agate.store.url=" + own.url, "agate.durable-local-queues=true")
                    .withBean("dataSource", DataSource.class, () -> new DriverManagerDataSource(app.url))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(MessageStore.class)).isInstanceOf(JdbcMessageStore.class);
                        assertThat(output).contains("agate.store.url is set").contains("it is sent even if the transaction rolls back")
                                .contains("(dataSource)");
                    });
        }
    }
}
