/**
 * Running handlers: the executor that applies error policies ({@code EnvelopeExecutor}), the unit of
 * work around one attempt or one application transaction ({@code ExecutionContext}, {@code OutboxContext})
 * with what it must store before its commit ({@code StoredSends}), the batch of handlings that share one
 * transaction ({@code HandlingBatch}, {@code SharedTransaction}), and where retries wait ({@code Retries}). The outbox write happens here. May use {@code bus} and the floors below it; never
 * {@code durability}, which sits on the same floor.
 */
package dev.agate.internal.execution;
