/**
 * Endpoints in this process: the {@code Endpoint} contract, the local queues (buffered or durable, run by
 * their workers; inline), the {@code EnvelopeHandler} they run, and the {@code WorkTracker} that lets a
 * host drain. May use {@code storage} and the floors below it; never {@code execution}: a queue runs an
 * {@code EnvelopeHandler}, not the executor.
 */
package dev.agate.internal.endpoint;
