/**
 * Where messages go: the host's endpoints by name ({@code Endpoints}, which opens local queues and
 * senders), the addressing of a message into envelopes ({@code Addressing}), their hand-over now or later
 * ({@code Dispatcher}, with the in-memory scheduler), and the transports by scheme. May use
 * {@code transport} and the floors below it.
 */
package dev.agate.internal.bus;
