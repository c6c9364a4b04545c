package dev.agate.rabbitmq.internal;

import java.time.Duration;
import java.util.Map;

/**
 * What a transport's builder settled, shared by its listeners and senders. Immutable.
 *
 * @param autoProvision   declare the queues (and exchanges) of its endpoints, instead of only checking that they exist
 * @param quorumQueues    names of the queues it declares as quorum queues (the others are durable classic queues)
 * @param queueArguments  extra arguments per queue name, added to what it declares
 * @param prefetch        unacknowledged deliveries per listener
 * @param batchSize       deliveries per batch handed to the host (persisted in one transaction)
 * @param confirmTimeout  how long a sender waits for the broker's confirms of a batch
 * @param startTimeout    how long listening waits for the broker at start before it goes on retrying in the background
 * @param defaultTypes    per queue, the message type of a delivery that names none
 * @param typeMappings    foreign type names (Spring's {@code __TypeId__}, say) to message types
 */
public record Settings(boolean autoProvision, java.util.Set<String> quorumQueues, Map<String, Map<String, Object>> queueArguments,
                       int prefetch, int batchSize, Duration confirmTimeout, Duration startTimeout, Map<String, String> defaultTypes,
                       Map<String, String> typeMappings) {

    public Settings {
        quorumQueues = java.util.Set.copyOf(quorumQueues);
        queueArguments = Map.copyOf(queueArguments);
        defaultTypes = Map.copyOf(defaultTypes);
        typeMappings = Map.copyOf(typeMappings);
    }

    /** The arguments Agate declares {@code queue} with. */
    public Map<String, Object> argumentsOf(String queue) {
        Map<String, Object> arguments = new java.util.HashMap<>(queueArguments.getOrDefault(queue, Map.of()));
        if (quorumQueues.contains(queue)) {
            arguments.put("x-queue-type", "quorum");
        }
        return arguments;
    }
}
