package dev.agate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spi.StoreAdmin.Counts;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code agate storage counts|nodes|release}: what the store holds, which nodes share it and who leads, and
 * handing every envelope back to any node.
 */
@Command(name = "storage", description = "Count the stored envelopes, list the nodes and the leader, or release every envelope to any node.")
final class StorageCommand implements Runnable {
    @ParentCommand
    AgateCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandException.usage("name a storage command: counts, nodes or release (see: agate storage --help)");
    }

    @Command(name = "nodes", description = "List the registered nodes with the age of their lease (database time), and the"
            + " leader's lease: its node, term and how long it still runs.")
    int nodes() {
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            java.time.Instant now = store.databaseTime();
            java.util.List<dev.agate.spi.NodeRegistry.Node> nodes = store.nodes().nodes();
            dev.agate.spi.NodeRegistry.Leader leader = store.nodes().leader();
            StringBuilder text = new StringBuilder();
            text.append(String.format("%-8s %-14s %s%n", "node", "lease age", "description"));
            for (dev.agate.spi.NodeRegistry.Node node : nodes) {
                text.append(String.format("%-8d %-14s %s%n", node.id(),
                        java.time.Duration.between(node.heartbeatAt(), now).toMillis() + " ms", node.description()));
            }
            if (nodes.isEmpty()) {
                text.append("(no node registered)\n");
            }
            if (leader == null) {
                text.append("\nleader: nobody has led yet\n");
            } else {
                long left = leader.expiresAt() == null ? -1 : java.time.Duration.between(now, leader.expiresAt()).toMillis();
                text.append("\nleader: node ").append(leader.nodeId()).append(", term ").append(leader.term())
                        .append(left < 0 ? ", lease run out (the next node to try takes it)" : ", lease runs " + left + " ms more").append('\n');
            }
            out().print(text);
            out().flush();
            return 0;
        }
    }

    @Command(name = "counts", description = "Count incoming, scheduled, handled and outgoing envelopes and dead letters,"
            + " and incoming and outgoing envelopes by owner node id (0: any node).")
    int counts(@Option(names = "--json", description = "Print one JSON object instead of a table.") boolean json) throws Exception {
        Counts counts;
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            counts = store.admin().counts();
        }
        out().print(json ? json(counts) : table(counts));
        out().flush();
        return 0;
    }

    @Command(name = "release", description = "Give every incoming, scheduled and outgoing envelope back to owner 0, so"
            + " that any node picks it up: for when nodes are gone and will not come back.")
    int release() {
        try (JdbcMessageStore store = root.storeSettings().openChecked()) {
            int released = store.admin().releaseAll();
            out().println("released " + released + (released == 1 ? " envelope" : " envelopes") + " to any node (owner 0)");
            return 0;
        }
    }

    static String table(Counts counts) {
        StringBuilder text = new StringBuilder();
        row(text, "incoming", counts.incoming());
        row(text, "scheduled", counts.scheduled());
        row(text, "handled", counts.handled());
        row(text, "outgoing", counts.outgoing());
        row(text, "dead letters", counts.deadLetters());
        byOwner(text, "incoming", counts.incomingByOwner());
        byOwner(text, "outgoing", counts.outgoingByOwner());
        return text.toString();
    }

    private static void byOwner(StringBuilder text, String what, Map<Integer, Long> byOwner) {
        text.append('\n').append(what).append(" by owner").append(byOwner.isEmpty() ? ": none\n" : "\n");
        new TreeMap<>(byOwner).forEach((owner, count) ->
                row(text, owner == 0 ? "  0 (any node)" : "  node " + owner, count));
    }

    private static void row(StringBuilder text, String label, long count) {
        text.append(String.format("%-16s %10d%n", label, count));
    }

    static String json(Counts counts) throws Exception {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("incoming", counts.incoming());
        object.put("scheduled", counts.scheduled());
        object.put("handled", counts.handled());
        object.put("outgoing", counts.outgoing());
        object.put("deadLetters", counts.deadLetters());
        object.put("incomingByOwner", new TreeMap<>(counts.incomingByOwner()));
        object.put("outgoingByOwner", new TreeMap<>(counts.outgoingByOwner()));
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(object) + System.lineSeparator();
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
