package snippets.taste;

import dev.agate.AgateHost;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import java.sql.SQLTransientException;
import java.time.Duration;

// README.md, "A taste": the messages, the handlers, and a host on the embedded SQLite default.

record PlaceOrder(long id) {}
record OrderPlaced(long id) {}
record Reminder(long orderId) {}

class Orders {
    @Handler
    OrderPlaced place(PlaceOrder command) {        // what a handler returns is sent ("cascaded")
        return new OrderPlaced(command.id());       //   once all handlers of the message succeed
    }

    @Handler
    void notify(OrderPlaced event, MessageContext context) {
        context.schedule(new Reminder(event.id()), Duration.ofDays(1));
    }

    @Handler
    void remind(Reminder reminder) {                // a day later; a message no handler or route takes
        System.out.println("order " + reminder.orderId() + ": one day old");   //   is an error
    }
}

public final class Taste {
    private Taste() {
    }

    /** The host of the README, as a test builds it (the README's own block is {@link #main}). */
    static AgateHost.Builder orders() {
        return AgateHost.builder()
                .serviceName("orders")
                .handlers(new Orders())
                .localQueue(LocalQueue.builder("OrderPlaced").sequential().build());
    }

    public static void main(String[] args) throws Exception {
        try (AgateHost host = AgateHost.builder()
                .serviceName("orders")
                .handlers(new Orders())
                .localQueue(LocalQueue.builder("OrderPlaced").sequential().build())
                .onError(ErrorPolicy.on(SQLTransientException.class)
                        .retryWithCooldown(Duration.ofMillis(100), Duration.ofSeconds(1))
                        .scheduleRetry(Duration.ofMinutes(1))
                        .deadLetter())
                .start()) {
            host.bus().send(new PlaceOrder(42));
        }
    }
}
