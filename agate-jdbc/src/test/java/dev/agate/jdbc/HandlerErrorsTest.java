package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.HostStatus;
import dev.agate.MessageContext;
import dev.agate.spi.ForwardingMessageStore;
import dev.agate.spi.Inbox;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreAdmin;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Errors, not just exceptions, from handlers, from store calls and in background jobs. Any Error rolls
 * the attempt back and returns its connection (on SQLite, the pool's only one). An Error that is not the
 * JVM's own is a handler failure under the error policies. A VirtualMachineError (out of memory, a stack
 * overflow) means the JVM may be unusable: the host stops taking work, says why in its status, and gives
 * the envelope back to the store, where another host handles it. A job that meets an Error keeps running.
 */
class HandlerErrorsTest {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(100))
            .scheduledPollingInterval(Duration.ofMillis(100)).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));

    record Deposit(int n) {
    }

    /** A library's own Error, which a handler may meet: not the JVM's. */
    static final class BrokenLibraryError extends Error {
        BrokenLibraryError(String message) {
            super(message);
        }
    }

    /** Writes a ledger row on the handling connection, then fails as told. */
    static final class Bank {
        volatile String failWith = "nothing";
        final AtomicInteger handled = new AtomicInteger();

        @Handler
        void on(Deposit deposit, MessageContext context) throws SQLException {
            try (PreparedStatement insert = context.connection().prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                insert.setInt(1, deposit.n());
                insert.executeUpdate();
            }
            switch (failWith) {
                case "stack" -> recurse(deposit.n());
                case "memory" -> throw new OutOfMemoryError("Java heap space (thrown by the test)");
                case "library" -> throw new BrokenLibraryError("the library is broken");
                default -> handled.incrementAndGet();
            }
        }

        private static int recurse(int depth) {
            return recurse(depth + 1) + 1; // a real StackOverflowError
        }
    }

    private static AgateHost.Builder host(MessageStore store, Bank bank) {
        return AgateHost.builder().serviceName("bank").handler(bank).durableLocalQueues().store(store).durability(FAST)
                .shutdownTimeout(Duration.ofSeconds(5));
    }

    private static StoreAdmin.Counts counts(TestDatabase db) {
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
            store.start();
            return store.admin().counts();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aStackOverflowOrOutOfMemoryInAHandlerRollsBackStopsTheHostLoudlyAndAnotherHostHandlesTheEnvelope(TestDatabase.Kind kind)
            throws Exception {
        for (String failure : List.of("stack", "memory")) {
            try (TestDatabase db = TestDatabase.create(kind)) {
                db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
                Bank bank = new Bank();
                bank.failWith = failure;
                try (AgateHost host = host(JdbcMessageStore.builder(db.url).build(), bank).start()) {
                    host.bus().send(new Deposit(1));
                    await().atMost(Duration.ofSeconds(15)).until(() -> host.status().failure() != null);
                    HostStatus status = host.status();
                    System.out.printf("%s, %s: status %s%n", kind, failure, status.failure());
                    assertThat(status.healthy()).isFalse();
                    assertThat(status.failure()).contains(failure.equals("stack") ? "StackOverflowError" : "OutOfMemoryError")
                            .contains("takes no more work");
                    // Rolled back, its connection returned (the release below needs it on SQLite), the envelope
                    // unowned in the store with the attempt counted.
                    await().atMost(Duration.ofSeconds(10)).until(() -> counts(db).incomingByOwner().keySet().equals(Set.of(0)));
                    assertThat(counts(db).incoming()).isEqualTo(1);
                    assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isZero();
                    host.bus().send(new Deposit(2)); // stored for another node; this one takes no more work
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> bank.handled.get() == 0);
                }
                Bank healthy = new Bank();
                try (AgateHost other = host(JdbcMessageStore.builder(db.url).build(), healthy).start()) {
                    await().atMost(Duration.ofSeconds(15)).until(() -> healthy.handled.get() == 2);
                    assertThat(other.status().healthy()).isTrue();
                }
                assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isEqualTo(2);
                assertThat(counts(db).incoming()).isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void anEnvelopeThatAlwaysRunsOutOfMemoryStopsThreeHostsAtMostThenGoesToTheDeadLetters(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            int stopped = 0;
            for (int host = 1; host <= 3; host++) {
                Bank bank = new Bank();
                bank.failWith = "memory";
                try (AgateHost node = host(JdbcMessageStore.builder(db.url).build(), bank).start()) {
                    if (host == 1) {
                        node.bus().send(new Deposit(1));
                    }
                    await().atMost(Duration.ofSeconds(15)).until(() -> node.status().failure() != null);
                    stopped++;
                    if (host == 3) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> node.deadLetters().list().size() == 1);
                        DeadLetter letter = node.deadLetters().list().get(0);
                        System.out.printf("%s: %d hosts stopped; dead letter: %s%n", kind, stopped, letter.reason());
                        assertThat(letter.reason()).startsWith("java.lang.OutOfMemoryError").contains("in 3 attempt(s)");
                        assertThat(letter.exceptionType()).isEqualTo(OutOfMemoryError.class.getName());
                    }
                }
            }
            assertThat(counts(db).incoming()).isZero();
            assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void anErrorThatIsNotTheJvmsIsAHandlerFailureUnderTheErrorPolicies(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            Bank bank = new Bank();
            bank.failWith = "library";
            try (AgateHost host = host(JdbcMessageStore.builder(db.url).build(), bank)
                    .onError(ErrorPolicy.on(BrokenLibraryError.class).retry(1).deadLetter()).start()) {
                host.bus().send(new Deposit(1));
                await().atMost(Duration.ofSeconds(15)).until(() -> host.deadLetters().list().size() == 1);
                DeadLetter letter = host.deadLetters().list().get(0);
                assertThat(letter.exceptionType()).isEqualTo(BrokenLibraryError.class.getName());
                assertThat(letter.attempts()).isEqualTo(2);
                assertThat(host.status().healthy()).isTrue();
                assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isZero();
                bank.failWith = "nothing";
                host.bus().send(new Deposit(2));
                await().atMost(Duration.ofSeconds(10)).until(() -> bank.handled.get() == 1);
            }
        }
    }

    /** A store whose handled mark or scheduled claim throws what the test sets, a given number of times. */
    static final class ThrowingStore extends ForwardingMessageStore {
        final AtomicInteger markErrors = new AtomicInteger();
        final AtomicInteger claimErrors = new AtomicInteger();
        volatile Error error;

        ThrowingStore(MessageStore delegate) {
            super(delegate);
        }

        @Override
        public Inbox inbox() {
            Inbox inbox = delegate().inbox();
            return new Inbox() {
                @Override
                public Set<UUID> store(StoreTransaction t, URI endpoint, List<Envelope> envelopes, int ownerId, Instant now) {
                    return inbox.store(t, endpoint, envelopes, ownerId, now);
                }

                @Override
                public int markHandled(StoreTransaction t, Collection<UUID> ids, int ownerId, Instant keepUntil) {
                    if (t != null && markErrors.getAndDecrement() > 0) {
                        throw error; // a batch of handlings marks its envelopes in its transaction this way
                    }
                    return inbox.markHandled(t, ids, ownerId, keepUntil);
                }

                @Override
                public boolean markHandled(StoreTransaction t, UUID id, int ownerId, Instant keepUntil) {
                    if (markErrors.getAndDecrement() > 0) {
                        throw error;
                    }
                    return inbox.markHandled(t, id, ownerId, keepUntil);
                }

                @Override
                public List<Envelope> load(List<UUID> ids, int ownerId) {
                    return inbox.load(ids, ownerId);
                }

                @Override
                public boolean remove(StoreTransaction t, UUID id, int ownerId) {
                    return inbox.remove(t, id, ownerId);
                }

                @Override
                public void recordAttempts(UUID id, int ownerId, int attempts) {
                    inbox.recordAttempts(id, ownerId, attempts);
                }

                @Override
                public boolean scheduleRetry(UUID id, int ownerId, int attempts, Instant at) {
                    return inbox.scheduleRetry(id, ownerId, attempts, at);
                }

                @Override
                public List<Claimed> take(URI endpoint, int ownerId, int limit) {
                    return inbox.take(endpoint, ownerId, limit);
                }

                @Override
                public boolean recordSuspectStart(UUID id, int ownerId) {
                    return inbox.recordSuspectStart(id, ownerId);
                }

                @Override
                public void recordSuspectEnd(UUID id, int ownerId) {
                    inbox.recordSuspectEnd(id, ownerId);
                }

                @Override
                public List<Envelope> claimDueScheduled(Instant now, int ownerId, int limit) {
                    if (claimErrors.getAndDecrement() > 0) {
                        throw error;
                    }
                    return inbox.claimDueScheduled(now, ownerId, limit);
                }

                @Override
                public void release(Collection<UUID> ids, int ownerId) {
                    inbox.release(ids, ownerId);
                }

                @Override
                public int releaseOwnedBy(int ownerId) {
                    return inbox.releaseOwnedBy(ownerId);
                }

                @Override
                public int deleteExpiredHandled(Instant now, int limit) {
                    return inbox.deleteExpiredHandled(now, limit);
                }

                @Override
                public Set<URI> endpointsWithUnowned() {
                    return inbox.endpointsWithUnowned();
                }
            };
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void anOutOfMemoryErrorInAStoreCallRollsBackTheHandlingAndStopsTheHost(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            ThrowingStore store = new ThrowingStore(JdbcMessageStore.builder(db.url).build());
            store.error = new OutOfMemoryError("thrown by the store in the test");
            store.markErrors.set(1);
            Bank bank = new Bank();
            try (AgateHost host = host(store, bank).start()) {
                host.bus().send(new Deposit(1));
                await().atMost(Duration.ofSeconds(15)).until(() -> host.status().failure() != null);
                assertThat(host.status().failure()).contains("OutOfMemoryError");
                await().atMost(Duration.ofSeconds(10)).until(() -> counts(db).incomingByOwner().keySet().equals(Set.of(0)));
                assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).as("rolled back").isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aDurabilityJobThatMeetsAnErrorRunsAgainAndOneOfTheJvmsStopsTheHost(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            ThrowingStore store = new ThrowingStore(JdbcMessageStore.builder(db.url).build());
            store.error = new BrokenLibraryError("the driver is broken");
            store.claimErrors.set(3);
            Bank bank = new Bank();
            try (AgateHost host = host(store, bank).start()) {
                host.bus().schedule(new Deposit(1), Duration.ofMillis(200));
                await().atMost(Duration.ofSeconds(15)).until(() -> bank.handled.get() == 1);
                assertThat(store.claimErrors.get()).as("the job ran through its errors").isNegative();
                assertThat(host.status().healthy()).isTrue();

                store.error = new OutOfMemoryError("thrown by the store in the test");
                store.claimErrors.set(1);
                await().atMost(Duration.ofSeconds(15)).until(() -> host.status().failure() != null);
                assertThat(host.status().failure()).contains("OutOfMemoryError").contains("durability job");
            }
        }
    }
}
