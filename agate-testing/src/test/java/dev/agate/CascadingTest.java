package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.spi.MessageEvent;
import dev.agate.testing.TrackedSession;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a handler returns is sent in the same unit of work, and only if every handler succeeded. */
class CascadingTest {
    record PlaceOrder(int id) {
    }

    record OrderPlaced(int id) {
    }

    record ReserveStock(int id) {
    }

    record ChargeCard(int id) {
    }

    record SendReceipt(int id) {
    }

    record Reminder(int id) {
    }

    record Audit(String what) {
    }

    static final class Handlers {
        final List<Object> seen = new CopyOnWriteArrayList<>();

        @Handler
        OrderPlaced place(PlaceOrder command) {
            return new OrderPlaced(command.id());
        }

        @Handler
        List<Object> onPlaced(OrderPlaced event) {
            return List.of(new ReserveStock(event.id()), new ChargeCard(event.id()));
        }

        @Handler
        Optional<SendReceipt> charge(ChargeCard charge) {
            return charge.id() % 2 == 0 ? Optional.of(new SendReceipt(charge.id())) : Optional.empty();
        }

        @Handler
        Outgoing reserve(ReserveStock reserve) {
            return Outgoing.of(new Reminder(reserve.id())).delayedBy(Duration.ofHours(1));
        }

        @Handler
        void receipt(SendReceipt receipt, MessageContext context) {
            seen.add(receipt);
            context.sendTo("local://audit", new Audit("receipt " + receipt.id()));
        }

        @Handler
        void reminder(Reminder reminder) {
            seen.add(reminder);
        }

        @Handler
        void audit(Audit audit, Envelope envelope) {
            seen.add(audit.what() + " via " + envelope.destination());
        }
    }

    private AgateHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void cascadesReturnedMessagesCollectionsOptionalsAndOutgoing() {
        Handlers handlers = new Handlers();
        host = AgateHost.builder().handlers(handlers).start();

        TrackedSession session = TrackedSession.of(host).send(new PlaceOrder(2));

        assertThat(session.handled(OrderPlaced.class)).containsExactly(new OrderPlaced(2));
        assertThat(session.handled(ReserveStock.class)).containsExactly(new ReserveStock(2));
        assertThat(session.handled(SendReceipt.class)).containsExactly(new SendReceipt(2));
        assertThat(session.scheduled(Reminder.class)).containsExactly(new Reminder(2));
        assertThat(session.handled(Reminder.class)).isEmpty();
        assertThat(handlers.seen).contains("receipt 2 via local://audit");
        MessageEvent scheduled = session.events(MessageEvent.Kind.SCHEDULED).get(0);
        assertThat(scheduled.envelope().scheduledTime()).isAfter(Instant.now().plus(Duration.ofMinutes(59)));
    }

    @Test
    void anEmptyOptionalSendsNothing() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        TrackedSession session = TrackedSession.of(host).send(new ChargeCard(1));

        assertThat(session.handled(ChargeCard.class)).hasSize(1);
        assertThat(session.sent(SendReceipt.class)).isEmpty();
    }

    @Test
    void cascadesCarryCausationAndInheritCorrelation() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        TrackedSession session = TrackedSession.of(host).execute(bus -> bus.send(new PlaceOrder(4),
                DeliveryOptions.builder().correlationId("order-4").build()));

        List<Envelope> started = session.events(MessageEvent.Kind.SUCCEEDED).stream().map(MessageEvent::envelope).toList();
        Envelope place = started.stream().filter(e -> e.message() instanceof PlaceOrder).findFirst().orElseThrow();
        Envelope placed = started.stream().filter(e -> e.message() instanceof OrderPlaced).findFirst().orElseThrow();
        assertThat(placed.causationId()).isEqualTo(place.id());
        assertThat(started).allSatisfy(e -> assertThat(e.correlationId()).isEqualTo("order-4"));
        assertThat(placed.source()).isEqualTo("agate");
    }

    static final class FirstHandler {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Handler
        Audit first(OrderPlaced event, MessageContext context) {
            calls.add("first");
            context.send(new SendReceipt(event.id()));
            return new Audit("first");
        }
    }

    static final class SecondHandler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile boolean fail;

        @Handler
        Audit second(OrderPlaced event) {
            calls.add("second");
            if (fail) {
                throw new IllegalStateException("second handler fails");
            }
            return new Audit("second");
        }
    }

    static final class Sink {
        @Handler
        void audit(Audit audit) {
        }

        @Handler
        void receipt(SendReceipt receipt) {
        }
    }

    @Test
    void runsEveryHandlerOfATypeInOneUnitOfWork() {
        FirstHandler first = new FirstHandler();
        SecondHandler second = new SecondHandler();
        host = AgateHost.builder().handlers(first, second, new Sink()).start();

        TrackedSession session = TrackedSession.of(host).invoke(new OrderPlaced(1));

        assertThat(first.calls).containsExactly("first");
        assertThat(second.calls).containsExactly("second");
        assertThat(session.handled(Audit.class)).containsExactlyInAnyOrder(new Audit("first"), new Audit("second"));
        assertThat(session.handled(SendReceipt.class)).hasSize(1);
    }

    @Test
    void aFailingHandlerDropsEveryCascadeOfTheUnitOfWork() {
        FirstHandler first = new FirstHandler();
        SecondHandler second = new SecondHandler();
        second.fail = true;
        host = AgateHost.builder()
                .handler(first)
                .handler(second, ErrorPolicy.onAny().discard())
                .handlers(new Sink())
                .start();

        TrackedSession session = TrackedSession.of(host).allowExceptions().send(new OrderPlaced(1));

        assertThat(first.calls).containsExactly("first");
        assertThat(session.discarded()).hasSize(1);
        assertThat(session.sent(Audit.class)).isEmpty();
        assertThat(session.sent(SendReceipt.class)).isEmpty();
    }
}
