package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.AgateException;
import dev.agate.spi.NodeRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The node registry on each real database: unique ids for nodes registering at once, heartbeats, removal. */
class JdbcNodesTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static JdbcNodes nodesOn(TestDatabase db) {
        AgateSchema.forUrl(db.url, SchemaNames.defaults()).apply(db.dataSource);
        return new JdbcNodes(new Jdbc(db.dataSource, Dialect.forUrl(db.url), SchemaNames.defaults(), db.toString()));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void nodesRegisteringAtOnceGetDistinctIdsAboveZero(TestDatabase.Kind kind) throws Exception {
        int nodes = 8;
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcNodes registry = nodesOn(db);
            ExecutorService pool = Executors.newFixedThreadPool(nodes);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                String name = "node-" + i;
                Callable<Integer> register = () -> {
                    go.await();
                    return registry.register("orders", name, NOW);
                };
                ids.add(pool.submit(register));
            }
            go.countDown();
            List<Integer> got = new ArrayList<>();
            for (Future<Integer> id : ids) {
                got.add(id.get());
            }
            pool.shutdown();

            System.out.printf("%s: %d nodes registering at once got ids %s%n", kind, nodes, got);
            assertThat(got).doesNotHaveDuplicates().allMatch(id -> id > 0);
            assertThat(registry.nodes()).extracting(NodeRegistry.Node::id).containsExactlyInAnyOrderElementsOf(got);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void heartbeatsMoveForwardAndADeregisteredNodeIsToldItIsGone(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcNodes registry = nodesOn(db);
            int id = registry.register("orders", "host-a pid 42", NOW);

            registry.heartbeat(id, NOW.plusSeconds(5));

            NodeRegistry.Node node = registry.nodes().get(0);
            assertThat(node).isEqualTo(new NodeRegistry.Node(id, "orders", "host-a pid 42", NOW, NOW.plusSeconds(5)));
            registry.deregister(id);
            assertThat(registry.nodes()).isEmpty();
            assertThatThrownBy(() -> registry.heartbeat(id, NOW.plusSeconds(10)))
                    .isInstanceOf(AgateException.class).hasMessageContaining("node " + id + " is not registered");
        }
    }
}
