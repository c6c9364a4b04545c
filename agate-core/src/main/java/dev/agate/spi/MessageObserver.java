package dev.agate.spi;

/**
 * Receives every {@link MessageEvent} of a host: for tracking in tests ({@code agate-testing}),
 * metrics and diagnostics.
 *
 * <p>Called synchronously on the thread where the step happened (a sender, a worker, the scheduler), so
 * an implementation must be thread-safe, fast and must not block. An exception it throws is logged and
 * otherwise ignored: it never changes what happens to the envelope.
 */
@FunctionalInterface
public interface MessageObserver {
    void onEvent(MessageEvent event);

    /**
     * One call of the host to its message store ended: for timing the store. Called on the thread that made
     * the call, right after it, for every observer once any is registered; the same rules as for
     * {@link #onEvent} apply. Default: nothing.
     *
     * <p>The operations: {@code inbox.insert} (received, scheduled or locally queued envelopes stored),
     * {@code outbox.insert} (envelopes for other services stored), {@code inbox.mark} (envelopes marked handled),
     * {@code inbox.claim} and {@code outbox.claim} (unowned envelopes claimed for recovery),
     * {@code scheduled.claim} (due scheduled envelopes claimed), {@code inbox.release} and
     * {@code outbox.release} (given back to any node), {@code outbox.delete} (acknowledged outgoing envelopes
     * deleted), {@code dead.letter} (envelopes moved to the dead letters). Other calls (node leases,
     * cleanup, the transaction's commit) are not reported.
     *
     * @param operation one of the names above
     * @param envelopes how many envelopes the call wrote, or for a claim how many it claimed (0 when it failed)
     * @param nanos     how long the call took
     * @param succeeded false when it threw
     */
    default void onStoreOperation(String operation, int envelopes, long nanos, boolean succeeded) {
    }
}
