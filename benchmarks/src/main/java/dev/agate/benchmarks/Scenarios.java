package dev.agate.benchmarks;

import java.util.List;
import java.util.NoSuchElementException;

/** Every scenario the harness knows, in the order a full run measures them. */
final class Scenarios {
    private static final List<Scenario> ALL = List.of(new BufferedLocalScenario(), new InvokeScenario(), new DurableLocalScenario(),
            new OutboxLocalScenario(), new LatencyScenario(), new GruelboxPeerScenario(), new NamastackOutboxScenario(), TcpScenario.durable(),
            TcpScenario.lightweight(), new RabbitMqScenario(), new SoakScenario(), new LeasesScenario());
    /**
     * Run only when named: minutes long, or no throughput row, or ({@code latency}) a second look at outbox-local
     * that would make a quick run much longer.
     */
    private static final List<String> ON_REQUEST = List.of(LatencyScenario.NAME, SoakScenario.NAME, LeasesScenario.NAME);

    private Scenarios() {
    }

    static List<String> names() {
        return ALL.stream().map(Scenario::name).toList();
    }

    /** What a run without {@code --scenario} measures: all but the long ones. */
    static List<String> byDefault() {
        return names().stream().filter(name -> !ON_REQUEST.contains(name)).toList();
    }

    static Scenario named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no scenario " + name));
    }
}
