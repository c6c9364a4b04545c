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
}
