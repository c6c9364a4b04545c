package dev.agate.tcp;

import dev.agate.Envelope;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.ReceiveAnswer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A receiver that keeps what it got and answers with a replaceable function (RECEIVED by default). */
final class RecordingReceiver implements BatchReceiver {
    final List<List<Envelope>> batches = new CopyOnWriteArrayList<>();
    volatile Function<List<Envelope>, CompletionStage<ReceiveAnswer>> answer =
            batch -> CompletableFuture.completedFuture(ReceiveAnswer.RECEIVED);

    @Override
    public CompletionStage<ReceiveAnswer> receive(List<Envelope> batch) {
        batches.add(batch);
        return answer.apply(batch);
    }

    int calls() {
        return batches.size();
    }

    int envelopes() {
        return batches.stream().mapToInt(List::size).sum();
    }
}
