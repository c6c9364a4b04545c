package dev.agate.benchmarks.namastack;

/**
 * The outbox record's payload: the order's id and {@code System.nanoTime()} just before the producer's
 * transactional call, so that the handler can compute send-to-commit latency (one JVM, one clock).
 */
public record OrderPlaced(long orderId, long sentAtNanos) {
}
