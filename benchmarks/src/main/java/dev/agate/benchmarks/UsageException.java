package dev.agate.benchmarks;

/** A command line the harness cannot run; the message says why. {@link BenchmarkMain} exits with status 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
