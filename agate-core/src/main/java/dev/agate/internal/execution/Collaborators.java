package dev.agate.internal.execution;

import dev.agate.EndpointMode;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.Observers;
import dev.agate.internal.bus.Addressing;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.DurableStorage;
import java.time.Clock;

/**
 * What the executor and its units of work use, passed down once instead of looked up per call.
 *
 * @param storage the host's store; null for a host without one
 */
public record Collaborators(String serviceName, Clock clock, Observers observers, Lifecycle lifecycle, Addressing addressing,
                     Dispatcher dispatcher, DurableStorage storage) {

    /** Whether envelopes from {@code origin} are in the store: it is a durable endpoint of a host with one. */
    boolean isDurable(Endpoint origin) {
        return storage != null && origin != null && origin.mode() == EndpointMode.DURABLE;
    }
}
