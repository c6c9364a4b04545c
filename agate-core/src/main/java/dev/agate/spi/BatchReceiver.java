package dev.agate.spi;

import dev.agate.Envelope;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The host's side of a listener: takes the batches a {@link Transport} received. The transport answers
 * the sender with what the returned stage completes with, and reads nothing more from that connection
 * until then (back-pressure).
 */
@FunctionalInterface
public interface BatchReceiver {

    /**
     * Takes a batch of decoded envelopes (with their bodies, not yet deserialized into messages). Called
     * on a transport's I/O thread: it must not block, so work that blocks (a database write) runs elsewhere
     * and completes the stage. A stage that completes exceptionally is answered
     * {@link ReceiveAnswer.Status#CANNOT_PROCESS} with the exception's message.
     */
    CompletionStage<ReceiveAnswer> receive(List<Envelope> batch);
}
