package dev.agate.micrometer;

import dev.agate.AgateHost;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import java.sql.Connection;
import java.sql.DriverManager;

/**
 * The sending process of {@link TraceAcrossHostsTest}: commits one order to its outbox inside a traced
 * request, to a destination where nothing listens, prints "COMMITTED traceId spanId" and waits to be killed.
 */
public final class TracedSenderProcess {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String destination = args[1];
        InMemoryTracing tracing = new InMemoryTracing();
        AgateHost host = AgateHost.builder().serviceName("shop").durability(TraceAcrossHostsTest.FAST).tracer(tracing.agate())
                .store(JdbcMessageStore.builder(url).build())
                .sender(Sender.to(destination).durable().build()).route(TraceAcrossHostsTest.Order.class, destination).start();
        String[] root = tracing.inRootSpan("POST /orders", () -> {
            try (Connection connection = DriverManager.getConnection(url)) {
                connection.setAutoCommit(false);
                try (var outbox = host.outbox(connection)) {
                    outbox.send(new TraceAcrossHostsTest.Order(42));
                    outbox.commit();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        System.out.println("COMMITTED " + root[0] + " " + root[1]);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
