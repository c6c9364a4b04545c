package dev.agate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.MessageContext;
import dev.agate.internal.handlers.HandlerMethod;
import dev.agate.internal.handlers.HandlerScanner;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HandlerScannerTest {
    record Ping(int n) {
    }

    record Pong(int n) {
    }

    static class Valid {
        @Handler
        Pong onPing(Ping ping) {
            return new Pong(ping.n());
        }

        @Handler
        private void withContextAndEnvelope(Pong pong, Envelope envelope, MessageContext context) {
        }

        @Handler
        static Object staticOne(String text, MessageContext context) {
            return text + "!";
        }

        void notAHandler(Ping ping) {
        }
    }

    static class NoParameters {
        @Handler
        void handle() {
        }
    }

    static class ContextFirst {
        @Handler
        void handle(MessageContext context, Ping ping) {
        }
    }

    static class UnsupportedParameter {
        @Handler
        void handle(Ping ping, String other) {
        }
    }

    static class DuplicateContext {
        @Handler
        void handle(Ping ping, MessageContext a, MessageContext b) {
        }
    }

    static class ReturnsPrimitive {
        @Handler
        int handle(Ping ping) {
            return 1;
        }
    }

    static class ReturnsFuture {
        @Handler
        CompletableFuture<Pong> handle(Ping ping) {
            return null;
        }
    }

    static class Nothing {
        void handle(Ping ping) {
        }
    }

    static class InstanceOnly {
        @Handler
        void handle(Ping ping) {
        }
    }

    @Test
    void findsAnnotatedMethodsOfAnyVisibilityAndInvokesThemWithoutReflection() throws Throwable {
        List<HandlerMethod> methods = HandlerScanner.scan(new Valid(), List.of(), java.util.Set.of(java.sql.Connection.class));
        assertThat(methods).extracting(HandlerMethod::messageClass)
                .containsExactlyInAnyOrder(Ping.class, Pong.class, String.class);
        HandlerMethod onPing = methods.stream().filter(m -> m.messageClass() == Ping.class).findFirst().orElseThrow();
        assertThat(onPing.invoke(new Ping(7), null, null)).isEqualTo(new Pong(7));
        HandlerMethod staticOne = methods.stream().filter(m -> m.messageClass() == String.class).findFirst().orElseThrow();
        assertThat(staticOne.invoke("hi", null, null)).isEqualTo("hi!");
        HandlerMethod voidOne = methods.stream().filter(m -> m.messageClass() == Pong.class).findFirst().orElseThrow();
        assertThat(voidOne.invoke(new Pong(1), null, null)).isNull();
    }

    @Test
    void rejectsSignaturesThatCannotWorkNamingClassAndMethod() {
        assertRejected(new NoParameters(), "NoParameters.handle() has no parameters");
        assertRejected(new ContextFirst(), "ContextFirst.handle(MessageContext, Ping) takes MessageContext first");
        assertRejected(new UnsupportedParameter(), "UnsupportedParameter.handle(Ping, String) has an unsupported parameter 2 of type java.lang.String");
        assertRejected(new DuplicateContext(), "DuplicateContext.handle(Ping, MessageContext, MessageContext) has an unsupported parameter 3");
        assertRejected(new ReturnsPrimitive(), "ReturnsPrimitive.handle(Ping) returns int");
        assertRejected(new ReturnsFuture(), "ReturnsFuture.handle(Ping) returns CompletableFuture");
        assertRejected(new Nothing(), "Nothing was registered as a handler but has no @Handler methods");
        assertRejected(InstanceOnly.class, "InstanceOnly.handle(Ping) is an instance method but");
    }

    private static void assertRejected(Object registration, String expected) {
        assertThatThrownBy(() -> HandlerScanner.scan(registration, List.of(), java.util.Set.of(java.sql.Connection.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected);
    }
}
