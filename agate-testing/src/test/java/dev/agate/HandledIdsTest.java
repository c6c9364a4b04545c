package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.internal.storage.HandledIds;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.testing.InMemoryMessageStore;
import dev.agate.testing.TrackedSession;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Which handled envelopes keep their id as a deduplication record: an envelope sent to a durable local queue
 * with an id Agate made leaves no row once handled (nothing can send that id again); one sent with the
 * sender's own id, and every envelope a listener received, keep theirs, so a repeat is a duplicate. A sender
 * cannot make a listener forget its ids by setting the header that marks Agate's own.
 */
class HandledIdsTest {
    record Parcel(int n) {
    }

    static final class Parcels {
        final List<Integer> handled = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();

        @Handler
        void on(Parcel parcel, MessageContext context) {
            handled.add(parcel.n());
            headers.add(context.envelope().headers());
        }
    }

    private static AgateHost.Builder depot(InMemoryMessageStore store, Parcels parcels) {
        return AgateHost.builder().serviceName("depot").store(store)
                .localQueue(LocalQueue.builder("parcels").durable().build()).route(Parcel.class, "local://parcels").handlers(parcels);
    }

    @Test
    void aLocalSendWithAnIdAgateMadeLeavesNoRowOnceHandled() {
        InMemoryMessageStore store = new InMemoryMessageStore();
        Parcels parcels = new Parcels();
        try (AgateHost host = depot(store, parcels).start()) {
            TrackedSession.of(host).send(new Parcel(1));

            // The handler wrote nothing: its envelope's end is written behind, within 100 ms.
            await().atMost(Duration.ofSeconds(10)).until(() -> store.admin().counts().incoming() == 0);
            assertThat(store.admin().counts().handled()).as("no record kept").isZero();
        }
        assertThat(parcels.handled).containsExactly(1);
        assertThat(parcels.headers.get(0)).containsEntry(HandledIds.HEADER, "true");
    }

    /** Where autovacuum is off, the store vacuums after so many deleted rows: ended local envelopes count, as cleanup's deletes did. */
    @Test
    void endedLocalEnvelopesCountAsDeletedRowsForTheStoresUpkeep() {
        java.util.concurrent.atomic.AtomicLong reported = new java.util.concurrent.atomic.AtomicLong();
        InMemoryMessageStore memory = new InMemoryMessageStore();
        dev.agate.spi.StoreAdmin admin = (dev.agate.spi.StoreAdmin) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {dev.agate.spi.StoreAdmin.class}, (proxy, method, args) -> {
                    if (method.getName().equals("afterCleanup")) {
                        reported.addAndGet((Long) args[0]);
                    }
                    try {
                        return method.invoke(memory.admin(), args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        dev.agate.spi.MessageStore store = new dev.agate.spi.ForwardingMessageStore(memory) {
            @Override
            public dev.agate.spi.StoreAdmin admin() {
                return admin;
            }
        };
        Parcels parcels = new Parcels();
        try (AgateHost host = AgateHost.builder().serviceName("depot").store(store)
                .durability(Durability.defaults().cleanupInterval(Duration.ofMillis(100)))
                .localQueue(LocalQueue.builder("parcels").durable().build()).route(Parcel.class, "local://parcels").handlers(parcels).start()) {
            TrackedSession.of(host).execute(bus -> {
                for (int i = 0; i < 30; i++) {
                    bus.send(new Parcel(i));
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> reported.get() >= 30);
        }
        assertThat(parcels.handled).hasSize(30);
    }

    @Test
    void aLocalSendWithTheSendersOwnIdKeepsItsRecordAndARepeatIsADuplicateWhateverHeadersItCarries() {
        InMemoryMessageStore store = new InMemoryMessageStore();
        Parcels parcels = new Parcels();
        // The header passed on by the sender (from an envelope it handled, say) does not make its own id forgettable.
        DeliveryOptions own = DeliveryOptions.builder().idFrom("parcel-1").header(HandledIds.HEADER, "true").build();
        try (AgateHost host = depot(store, parcels).start()) {
            TrackedSession.of(host).execute(bus -> bus.send(new Parcel(1), own));
            TrackedSession repeat = TrackedSession.of(host).execute(bus -> bus.send(new Parcel(1), own));

            assertThat(repeat.duplicates()).hasSize(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.admin().counts().incoming() == 0);
            assertThat(store.admin().counts().handled()).as("the record of the sender's own id").isEqualTo(1);
        }
        assertThat(parcels.handled).containsExactly(1);
        assertThat(parcels.headers.get(0)).doesNotContainKey(HandledIds.HEADER);
    }

    @Test
    void aListenerKeepsTheIdsItReceivesEvenWhenTheSenderSetsTheHeaderOfAgatesOwn() throws Exception {
        ObserverStepsTest.HandOver transport = new ObserverStepsTest.HandOver();
        InMemoryMessageStore store = new InMemoryMessageStore();
        Parcels parcels = new Parcels();
        Envelope sent = Envelope.builder().messageType("Parcel").contentType("application/json").source("elsewhere").sentAt(Instant.now())
                .header(HandledIds.HEADER, "true").body("{\"n\":7}".getBytes(StandardCharsets.UTF_8)).build();
        try (AgateHost host = AgateHost.builder().serviceName("depot").transport(transport).store(store)
                .localQueue(LocalQueue.builder("parcels").durable().build())
                .listener(Listener.at("handover://in").queue("parcels").durable().build()).handlers(parcels).start()) {
            TrackedSession.of(host).execute(bus -> receive(transport, sent));
            TrackedSession again = TrackedSession.of(host).execute(bus -> receive(transport, sent)); // a lost acknowledgement

            assertThat(again.duplicates()).extracting(Envelope::id).containsExactly(sent.id());
            assertThat(again.events(Kind.STARTED)).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.admin().counts().incoming() == 0);
            assertThat(store.admin().counts().handled()).as("the record of a received id").isEqualTo(1);
        }
        assertThat(parcels.handled).containsExactly(7);
        assertThat(parcels.headers.get(0)).doesNotContainKey(HandledIds.HEADER);
    }

    private static void receive(ObserverStepsTest.HandOver transport, Envelope envelope) {
        try {
            assertThat(transport.receive(List.of(envelope)).status()).isEqualTo(ReceiveAnswer.Status.RECEIVED);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
