package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.spi.MessageEvent;
import dev.agate.testing.TrackedSession;
import dev.agate.testing.routed.InvoiceDue;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingTest {
    record Ping(int n) {
    }

    record Unhandled(int n) {
    }

    @MessageType("pings.special")
    record Special(int n) {
    }

    static final class Handlers {
        @Handler
        void ping(Ping ping) {
        }

        @Handler
        void special(Special special) {
        }

        @Handler
        void invoice(InvoiceDue due) {
        }
    }

    private AgateHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    private static URI endpointOf(TrackedSession session, Class<?> type) {
        return session.events(MessageEvent.Kind.SENT).stream()
                .filter(e -> type.isInstance(e.envelope().message()))
                .map(MessageEvent::endpoint).findFirst().orElseThrow();
    }

    @Test
    void aHandledMessageGoesToTheLocalQueueNamedAfterItsType() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        assertThat(endpointOf(TrackedSession.of(host).send(new Ping(1)), Ping.class)).hasToString("local://Ping");
        assertThat(endpointOf(TrackedSession.of(host).send(new Special(1)), Special.class)).hasToString("local://pings.special");
    }

    @Test
    void explicitRulesWinOverTheDefaultAndCombine() {
        host = AgateHost.builder()
                .handlers(new Handlers())
                .route(Ping.class, "local://pings")
                .routeWhere(c -> c.getSimpleName().startsWith("Pi"), "names starting with Pi", "local://audit", "local://pings")
                .start();

        TrackedSession session = TrackedSession.of(host).send(new Ping(1));

        assertThat(session.events(MessageEvent.Kind.SENT)).extracting(e -> e.endpoint().toString())
                .containsExactly("local://pings", "local://audit");
        assertThat(session.handled(Ping.class)).hasSize(2);
    }

    @Test
    void routesByPackage() {
        host = AgateHost.builder().handlers(new Handlers()).routePackage("dev.agate.testing.routed", "local://billing").start();

        assertThat(endpointOf(TrackedSession.of(host).send(new InvoiceDue(7)), InvoiceDue.class)).hasToString("local://billing");
    }

    @Test
    void sendWithNoRouteAndNoHandlerFailsButPublishDoesNot() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        assertThatThrownBy(() -> host.bus().send(new Unhandled(1)))
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no route for message type 'Unhandled'")
                .hasMessageContaining(Unhandled.class.getName());
        TrackedSession session = TrackedSession.of(host).publish(new Unhandled(1));
        assertThat(session.events()).isEmpty();
    }

    @Test
    void anUnknownSchemeFailsTheBuildListingTheKnownSchemes() {
        assertThatThrownBy(() -> AgateHost.builder().handlers(new Handlers()).route(Ping.class, "tcp://localhost:2201").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown endpoint scheme 'tcp' in tcp://localhost:2201")
                .hasMessageContaining("known schemes: [local]");
    }

    @Test
    void sendToAnUnknownSchemeFailsTheCall() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        assertThatThrownBy(() -> host.bus().sendTo("rabbitmq://queue/x", new Ping(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("known schemes: [local]");
    }

    @Test
    void sendToAnExplicitLocalQueueBypassesRouting() {
        host = AgateHost.builder().handlers(new Handlers()).route(Ping.class, "local://elsewhere").start();

        TrackedSession session = TrackedSession.of(host).execute(bus -> bus.sendTo("local://direct", new Ping(3)));

        assertThat(endpointOf(session, Ping.class)).hasToString("local://direct");
        assertThat(session.handled(Ping.class)).containsExactly(new Ping(3));
    }

    @Test
    void aMessageWithoutAHandlerSentToAQueueIsDeadLetteredAtOnce() {
        host = AgateHost.builder().handlers(new Handlers()).start();

        TrackedSession session = TrackedSession.of(host).allowExceptions().execute(bus -> bus.sendTo("local://misc", new Unhandled(9)));

        assertThat(session.deadLettered()).hasSize(1);
        assertThat(session.attempts(Unhandled.class)).isZero();
        assertThat(host.deadLetters().list()).singleElement()
                .satisfies(d -> assertThat(d.reason()).contains("no handler for message type 'Unhandled'"));
    }
}
