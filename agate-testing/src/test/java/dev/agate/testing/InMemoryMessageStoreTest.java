package dev.agate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreTransaction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store passes the compliance kit; and what only it can show: writes in an open
 * transaction are invisible to everyone else, and a commit whose owner-checked mark no longer holds
 * writes nothing.
 */
class InMemoryMessageStoreTest extends MessageStoreCompliance {

    @Override
    protected MessageStore newStore() {
        MessageStore store = new InMemoryMessageStore();
        store.start();
        return store;
    }

    @Test
    void writesOfAnOpenTransactionAreInvisibleUntilCommit() {
        Envelope received = envelope("OrderPlaced", 1);
        Envelope cascade = outgoing("OrderShipped", 2);
        try (StoreTransaction transaction = store().begin()) {
            assertThat(transaction.connection()).isEmpty();
            store().inbox().store(transaction, QUEUE, List.of(received), 0, now);
            store().outbox().store(transaction, List.of(cascade), 0);

            assertThat(store().inbox().claimIncoming(QUEUE, 1, 10)).isEmpty();
            assertThat(store().outbox().claim(PARTNER, 1, 10)).isEmpty();
            assertThat(store().admin().counts().incoming()).isZero();

            transaction.commit();
        }
        assertThat(store().inbox().claimIncoming(QUEUE, 1, 10)).extracting(Envelope::id).containsExactly(received.id());
    }

    @Test
    void aCommitWhoseBatchMarkOrDeleteNoLongerHoldsFailsAndWritesNothing() {
        Envelope marked = envelope("OrderPlaced", 1);
        Envelope deleted = envelope("OrderPlaced", 2);
        store().inbox().store(null, QUEUE, List.of(marked, deleted), 1, now);
        StoreTransaction transaction = store().begin();
        assertThat(store().inbox().markHandled(transaction, List.of(marked.id()), 1, now.plusSeconds(60))).isEqualTo(1);
        assertThat(store().inbox().deleteHandled(transaction, List.of(deleted.id()), 1, now.plusSeconds(60))).isEqualTo(1);

        store().admin().releaseAll();
        store().inbox().claimIncoming(QUEUE, 2, 10);

        assertThatThrownBy(transaction::commit).isInstanceOf(AgateException.class).hasMessageContaining("node 1");
        assertThat(store().admin().counts().incomingByOwner()).containsExactly(Map.entry(2, 2L));
    }

    @Test
    void aCommitWhoseOwnerCheckedMarkNoLongerHoldsFailsAndWritesNothing() {
        Envelope envelope = envelope("OrderPlaced", 1);
        store().inbox().store(null, QUEUE, List.of(envelope), 1, now);
        StoreTransaction transaction = store().begin();
        assertThat(store().inbox().markHandled(transaction, envelope.id(), 1, now.plusSeconds(60))).isTrue();
        store().outbox().store(transaction, List.of(outgoing("OrderShipped", 2)), 0);

        store().admin().releaseAll();
        store().inbox().claimIncoming(QUEUE, 2, 10);

        assertThatThrownBy(transaction::commit).isInstanceOf(AgateException.class)
                .hasMessageContaining(envelope.id().toString()).hasMessageContaining("node 1");
        assertThat(store().admin().counts().incomingByOwner()).containsExactly(Map.entry(2, 1L));
        assertThat(store().admin().counts().outgoing()).isZero();
    }

    @Test
    void anIncomingEnvelopeCommittedFirstByAnotherTransactionIsSkipped() {
        Envelope envelope = envelope("OrderPlaced", 1);
        try (StoreTransaction slow = store().begin(); StoreTransaction fast = store().begin()) {
            assertThat(store().inbox().store(slow, QUEUE, List.of(envelope), 1, now)).isEmpty();
            assertThat(store().inbox().store(fast, QUEUE, List.of(envelope), 2, now)).isEmpty();
            fast.commit();
            slow.commit();
        }
        assertThat(store().admin().counts().incomingByOwner()).containsExactly(Map.entry(2, 1L));
    }

    @Test
    void refusesTransactionsOfAnotherStoreAndEndedOnes() {
        MessageStore other = newStore();
        StoreTransaction foreign = other.begin();
        StoreTransaction ended = store().begin();
        ended.rollback();

        assertThatThrownBy(() -> store().inbox().markHandled(foreign, List.of(), 1, now)).isInstanceOf(AgateException.class);
        assertThatThrownBy(() -> store().outbox().delete(ended, List.of(), 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mustBeStartedAndFailsOnceClosed() {
        InMemoryMessageStore fresh = new InMemoryMessageStore("orders store");
        assertThatThrownBy(() -> fresh.admin().counts()).isInstanceOf(IllegalStateException.class).hasMessageContaining("orders store");
        fresh.start();
        fresh.close();
        fresh.close();
        assertThatThrownBy(() -> fresh.inbox().endpointsWithUnowned()).isInstanceOf(AgateException.class);
        assertThatThrownBy(() -> fresh.nodes().lead(1, java.time.Duration.ofSeconds(1))).isInstanceOf(AgateException.class);
    }
}
