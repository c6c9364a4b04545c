package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.testing.TrackedSession;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host's lifecycle, invoke with a response, scheduling, and the checks made when a host is built. */
class HostTest {
    record Quote(String symbol) {
    }

    record Price(String symbol, long cents) {
    }

    record Tick(int n) {
    }

    record Nobody(int n) {
    }

    static final class Handlers {
        final Map<Integer, Instant> ticks = new ConcurrentHashMap<>();
        final List<Object> published = new CopyOnWriteArrayList<>();

        @Handler
        Price quote(Quote quote) {
            return new Price(quote.symbol(), 4_200);
        }

        @Handler
        void tick(Tick tick) {
            ticks.put(tick.n(), Instant.now());
        }

        @Handler
        void price(Price price) {
            published.add(price);
        }
    }

    private final Handlers handlers = new Handlers();
    private AgateHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void invokeReturnsTheHandlersResponseInsteadOfCascadingIt() {
        host = AgateHost.builder().handlers(handlers).start();

        TrackedSession session = TrackedSession.of(host).execute(bus ->
                assertThat(bus.invoke(new Quote("AGT"), Price.class)).isEqualTo(new Price("AGT", 4_200)));

        assertThat(session.sent(Price.class)).isEmpty();
        assertThat(handlers.published).isEmpty();
    }

    @Test
    void invokeWithoutAResponseCascadesIt() {
        host = AgateHost.builder().handlers(handlers).start();

        TrackedSession session = TrackedSession.of(host).invoke(new Quote("AGT"));

        assertThat(session.handled(Price.class)).containsExactly(new Price("AGT", 4_200));
    }

    @Test
    void invokeFailsClearlyWhenNothingHandlesTheMessageOrTheResponseIsMissing() {
        host = AgateHost.builder().handlers(handlers).start();

        assertThatThrownBy(() -> host.bus().invoke(new Nobody(1)))
                .isInstanceOf(NoRouteException.class).hasMessageContaining("no handler for message type 'Nobody'");
        assertThatThrownBy(() -> host.bus().invoke(new Tick(1), Price.class))
                .isInstanceOf(AgateException.class).hasMessageContaining("no handler of Tick returned a " + Price.class.getName());
    }

    @Test
    void scheduledMessagesAreHandledAtTheirTimeNotBefore() {
        host = AgateHost.builder().handlers(handlers).start();
        Instant sent = Instant.now();

        host.bus().schedule(new Tick(1), Duration.ofMillis(400));
        host.bus().schedule(new Tick(2), sent.minusSeconds(5));

        await().atMost(Duration.ofSeconds(5)).until(() -> handlers.ticks.size() == 2);
        assertThat(Duration.between(sent, handlers.ticks.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(handlers.ticks.get(2)).isBefore(handlers.ticks.get(1));
    }

    @Test
    void refusesMessagesBeforeStartAndAfterClose() {
        host = AgateHost.builder().handlers(handlers).build();
        assertThatThrownBy(() -> host.bus().send(new Tick(1)))
                .isInstanceOf(AgateException.class).hasMessageContaining("call start() first");

        host.start();
        host.close();

        assertThatThrownBy(() -> host.bus().send(new Tick(1)))
                .isInstanceOf(AgateException.class).hasMessageContaining("host 'agate' is closed");
        assertThatThrownBy(host::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("a host starts once");
        host.close();
    }

    static final class BadSignature {
        @Handler
        void handle(Tick tick, String notAllowed) {
        }
    }

    @Test
    void aHandlerThatCannotWorkFailsTheBuildNamingClassAndMethod() {
        assertThatThrownBy(() -> AgateHost.builder().handlers(handlers, new BadSignature()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BadSignature.class.getName() + ".handle(Tick, String)");
    }

    static final class OtherTick {
        @MessageType("Tick")
        record Tick(long n) {
        }

        @Handler
        void handle(Tick tick) {
        }
    }

    @Test
    void twoHandledClassesWithOneMessageTypeNameFailTheBuild() {
        assertThatThrownBy(() -> AgateHost.builder().handlers(handlers, new OtherTick()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("message type name 'Tick' is used by both");
    }

    @Test
    void aFailingObserverDoesNotChangeWhatHappensToMessages() {
        host = AgateHost.builder().handlers(handlers).observer(e -> {
            throw new IllegalStateException("observer bug");
        }).start();

        TrackedSession.of(host).send(new Tick(5));

        assertThat(handlers.ticks).containsKey(5);
    }

    @Test
    void rejectsConflictingOrInvalidSettings() {
        assertThatThrownBy(() -> AgateHost.builder().sendTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("sendTimeout must be positive but was PT0S");
        assertThatThrownBy(() -> AgateHost.builder().defaultErrorPolicy(ErrorPolicy.on(IllegalStateException.class).discard()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must match every exception");
        assertThatThrownBy(() -> AgateHost.builder().localQueue(LocalQueue.named("q")).localQueue(LocalQueue.named("q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("local queue 'q' is declared twice");
        assertThatThrownBy(() -> DeliveryOptions.builder().deliverBy(Instant.now()).deliverWithin(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("set deliverBy or deliverWithin, not both");
    }
}
