package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** End to end: a running host dead-letters a message; `agate dead-letters replay` brings it back and the host handles it. */
class ReplayToRunningHostTest {
    record Charge(int cents) {
    }

    @Test
    void aDeadLetterReplayedFromTheCommandLineIsHandledByTheRunningHost() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            AtomicBoolean failing = new AtomicBoolean(true);
            AtomicInteger charged = new AtomicInteger();
            Object payments = new Object() {
                @Handler
                void on(Charge charge) {
                    if (failing.get()) {
                        throw new IllegalStateException("card declined");
                    }
                    charged.incrementAndGet();
                }
            };
            try (AgateHost host = AgateHost.builder().serviceName("payments").handler(payments).durableLocalQueues()
                    .store(JdbcMessageStore.builder(db.url).build())
                    .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(100))).start()) {
                host.bus().send(new Charge(500));
                await().atMost(Duration.ofSeconds(20)).until(() -> host.deadLetters().list().size() == 1);

                failing.set(false);
                Cli.Result replay = Cli.run("dead-letters", "replay", "--all", "--yes", "--db", db.url);

                assertThat(replay.exitCode()).as(replay.toString()).isZero();
                await().atMost(Duration.ofSeconds(20)).until(() -> charged.get() == 1);
                assertThat(host.deadLetters().list()).isEmpty();
            }
        }
    }
}
