package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.spi.BatchReceiver;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import dev.agate.testing.InMemoryMessageStore;
import dev.agate.testing.TrackedSession;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The steps observers see besides handling: what a listener received ({@code RECEIVED}), copies it got again
 * ({@code DUPLICATE}: acknowledged, not handled again, and a tracked session still ends), and the timed store
 * calls. The listener's transport is a stand-in whose receiver the test calls as the network would.
 */
class ObserverStepsTest {
    record Parcel(int n) {
    }

    static final class Parcels {
        final List<Integer> handled = new CopyOnWriteArrayList<>();

        @Handler
        void on(Parcel parcel) {
            handled.add(parcel.n());
        }
    }

    /** Listens nowhere: keeps the host's receiver, for the test to hand it batches. */
    static final class HandOver implements Transport {
        volatile BatchReceiver receiver;

        @Override
        public String scheme() {
            return "handover";
        }

        @Override
        public void checkUri(URI uri) {
        }

        @Override
        public TransportListener listen(URI uri, BatchReceiver receiver) {
            this.receiver = receiver;
            return new TransportListener() {
                @Override
                public URI address() {
                    return uri;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public TransportSender sender(URI destination) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }

        ReceiveAnswer receive(List<Envelope> batch) throws Exception {
            return receiver.receive(batch).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Envelope parcel(int n) {
        return Envelope.builder().messageType("Parcel").contentType("application/json").source("elsewhere").sentAt(Instant.now())
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aListenerReportsWhatItReceivedAndTheCopiesItGotAgain(boolean durable) throws Exception {
        HandOver transport = new HandOver();
        Parcels parcels = new Parcels();
        Listener.Builder listener = Listener.at("handover://in").queue("parcels");
        try (AgateHost host = AgateHost.builder().serviceName("depot").transport(transport).store(new InMemoryMessageStore())
                .listener(durable ? listener.durable().build() : listener.buffered().build()).handlers(parcels).start()) {
            Envelope first = parcel(1);
            Envelope second = parcel(2);

            TrackedSession once = TrackedSession.of(host).execute(bus -> receive(transport, List.of(first, first)));
            // The same batch again, as after a lost acknowledgement: the session ends though the copies never run.
            TrackedSession again = TrackedSession.of(host).execute(bus -> receive(transport, List.of(first, second)));

            assertThat(parcels.handled).containsExactlyInAnyOrder(1, 2);
            assertThat(once.events(Kind.RECEIVED)).extracting(e -> e.envelope().id()).containsExactly(first.id());
            assertThat(once.events(Kind.RECEIVED)).allSatisfy(e -> assertThat(e.endpoint()).isEqualTo(URI.create("local://parcels")));
            assertThat(once.duplicates()).as("the second copy in one batch").extracting(Envelope::id).containsExactly(first.id());
            assertThat(once.events(Kind.SENT)).as("received is not sent").isEmpty();
            assertThat(again.duplicates()).extracting(Envelope::id).containsExactly(first.id());
            assertThat(again.events(Kind.SUCCEEDED)).extracting(e -> e.envelope().id()).containsExactly(second.id());
            assertThat(again.events(Kind.DUPLICATE)).allSatisfy(e -> assertThat(e.kind().isFinal()).isFalse());
        }
    }

    private static void receive(HandOver transport, List<Envelope> batch) {
        try {
            assertThat(transport.receive(batch).status()).isEqualTo(ReceiveAnswer.Status.RECEIVED);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void storeCallsThatMoveEnvelopesAreTimedForObservers() {
        record Call(String operation, int envelopes, long nanos, boolean succeeded) {
        }
        List<Call> calls = new CopyOnWriteArrayList<>();
        MessageObserver timing = new MessageObserver() {
            @Override
            public void onEvent(MessageEvent event) {
            }

            @Override
            public void onStoreOperation(String operation, int envelopes, long nanos, boolean succeeded) {
                calls.add(new Call(operation, envelopes, nanos, succeeded));
            }
        };
        Parcels parcels = new Parcels();
        try (AgateHost host = AgateHost.builder().serviceName("depot").store(new InMemoryMessageStore()).observer(timing)
                .localQueue(LocalQueue.builder("parcels").durable().build()).route(Parcel.class, "local://parcels").handlers(parcels).start()) {
            TrackedSession.of(host).send(new Parcel(1));
        }

        assertThat(parcels.handled).containsExactly(1);
        assertThat(calls).extracting(Call::operation).contains("inbox.insert", "inbox.mark");
        assertThat(calls).filteredOn(c -> c.operation().equals("inbox.insert")).first()
                .satisfies(c -> assertThat(c.envelopes()).isEqualTo(1)).satisfies(c -> assertThat(c.succeeded()).isTrue())
                .satisfies(c -> assertThat(c.nanos()).isPositive());
        assertThat(calls).extracting(Call::operation).allMatch(op -> List.of("inbox.insert", "outbox.insert", "inbox.mark", "inbox.claim",
                "outbox.claim", "scheduled.claim", "inbox.release", "outbox.release", "outbox.delete", "dead.letter").contains(op));
    }
}
