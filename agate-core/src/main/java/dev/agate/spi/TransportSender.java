package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The sending end of one destination, opened by {@link Transport#sender(URI)}. The host's sending agent
 * calls it from one thread at a time and waits for each answer before sending the next batch; the
 * sender keeps its connection open between batches and reconnects when it was closed. Thread-safe.
 */
public interface TransportSender extends AutoCloseable {

    URI destination();

    /**
     * Sends a batch of envelopes that carry their serialized bodies. The stage completes with the
     * receiver's answer, or exceptionally when the connection could not be made, broke, or no answer came
     * within the transport's timeout: then the batch may or may not have been received, and the host sends
     * it again (the receiver recognizes duplicates by envelope id).
     */
    CompletionStage<ReceiveAnswer> send(List<Envelope> batch);

    /**
     * Checks that the destination answers, for a latched sender: completes normally when it did,
     * exceptionally when it did not within the transport's timeout.
     */
    CompletionStage<Void> ping();

    /** Closes the connection; batches in flight complete exceptionally. Idempotent. */
    @Override
    void close();
}
