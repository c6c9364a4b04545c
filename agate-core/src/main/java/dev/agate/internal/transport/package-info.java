/**
 * The host's side of the transports: a sending agent per destination (batching, acknowledgements,
 * latching and pings; the outbox rows it deletes) and a receiver per listener (the inbox write before the
 * acknowledgement). May use {@code deadletter} and the floors below it; never the bus or the floors above,
 * which it reaches only through the {@code Endpoint} it is and the queue it is given.
 */
package dev.agate.internal.transport;
