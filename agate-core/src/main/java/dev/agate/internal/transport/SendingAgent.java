package dev.agate.internal.transport;

import dev.agate.AgateException;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.QueueFullException;
import dev.agate.Sender;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.Backoff;
import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.Observers;
import dev.agate.internal.Tracing;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.endpoint.WorkTracker;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.MessageTracer;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending end of one destination: holds what is sent there, sends it in batches through its
 * transport's {@link TransportSender}, and forgets a batch only once the receiver answered "received".
 *
 * <p>Durable: an envelope is in the store's outbox, owned by this node, before the agent takes it; the
 * row is deleted once the batch is acknowledged. When the agent's buffer is full, or the agent latches,
 * rows are released to any node and the durability agent brings them back once there is room. Buffered:
 * the envelope lives only in the buffer; a send blocks while it is full (back-pressure).
 *
 * <p>Design: one thread ({@code agate-send-HOST:PORT}) takes a first envelope, then more until the batch is
 * full or the first one has waited the maximum batch age (a batch is never held back for stragglers
 * beyond that age), sends it and waits for the answer. "Queue full" slows it down (a growing pause, not
 * a failure). A failure (no connection, no answer, "cannot process") is retried after a growing pause;
 * after {@link Sender#failuresBeforeLatching()} in a row the agent latches and pings the destination
 * with a growing interval (up to {@link #MAX_PAUSE}) until it answers: no busy loop, and memory holds at
 * most the buffer. "Cannot deserialize" is final for that envelope: a batch is split until the envelope
 * the receiver refuses is alone, and that one goes to the dead letters. Every accepted envelope is
 * counted in the host's {@link WorkTracker} until it is acknowledged, dead-lettered, expired or handed
 * back to the store, so a graceful close waits for what is in flight. A durable batch is sent only while
 * this node's lease is live; what waits in the buffer when the lease is lost is dropped (other nodes own
 * those rows now).
 *
 * <p>Why one class past 500 lines: the batch, its split size, the latch and the counters of failures and
 * pings belong to the agent's one thread and change together at each answer; split across classes they
 * would be shared state. Locks: {@code start}, {@code signalStop} and the abandoning of a long-latched
 * on-demand sender synchronize on the agent only to order the thread's start and the one stop; senders meet the thread through the buffer, a
 * {@link LinkedBlockingQueue}; the flags other threads read ({@code latched}, {@code running},
 * {@code holding}) are volatile.
 */
public final class SendingAgent implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(SendingAgent.class);
    static final Duration MAX_PAUSE = Duration.ofSeconds(5);
    /** After failed batches in a row, and between the pings of a latched sender. */
    private static final Backoff FAILED = new Backoff(Duration.ofMillis(100), MAX_PAUSE);
    /** After "queue full" answers in a row: not a failure, only a slower pace. */
    private static final Backoff FULL = new Backoff(Duration.ofMillis(20), MAX_PAUSE);
    /** A safety net above the transport's own answer timeout, so a transport bug cannot hang the agent. */
    private static final long ANSWER_WAIT_SECONDS = 300;

    private final Sender settings;
    private final URI uri;
    private final TransportSender transport;
    /** Null for a buffered sender. */
    private final DurableStorage durable;
    private final WorkTracker work;
    private final Duration sendTimeout;
    private final Lifecycle lifecycle;
    private final Observers observers;
    private final Clock clock;
    private final EnvelopeBodies bodies;
    private final DeadLettering deadLetters;
    private final LinkedBlockingQueue<Envelope> buffer;
    private final Runnable onResume;
    private final List<Envelope> batch = new ArrayList<>();
    private final Duration abandonAfter;
    private final Consumer<SendingAgent> onAbandon;
    private volatile long latchedAtNanos;
    private Thread thread;
    private volatile boolean running;
    private volatile boolean latched;
    /** When it last took or delivered an envelope ({@link System#nanoTime()}), and whether its thread holds a batch. */
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile boolean holding;
    private int failuresInARow;
    private int fullInARow;
    /** Pings made since the last acknowledged batch: the ping interval keeps growing across quick re-latches. */
    private int pingsSinceAcknowledged;
    /**
     * Set while the batch goes out in parts of this size (0: whole): it was too large for one frame, or the
     * receiver refused to deserialize something in it. Kept between attempts, so a retry does not start over whole.
     */
    private int partSize;

    /**
     * @param durable the store whose outbox holds what it sends; null for a buffered sender
     * @param onResume called when a latched durable sender's destination answers again: its rows wait to be recovered
     */
    /**
     * @param abandonAfter how long it may stay latched before it closes itself (an on-demand sender), or null
     *                     to ping its destination for ever (a declared or routed one)
     * @param onAbandon    told when it closed itself, to forget it
     */
    public SendingAgent(Sender settings, TransportSender transport, DurableStorage durable, SenderServices services, Runnable onResume,
                        Duration abandonAfter, Consumer<SendingAgent> onAbandon) {
        this.abandonAfter = abandonAfter;
        this.onAbandon = onAbandon;
        this.settings = settings;
        this.uri = settings.destination();
        this.transport = transport;
        this.durable = durable;
        this.work = services.work();
        this.sendTimeout = services.sendTimeout();
        this.lifecycle = services.lifecycle();
        this.observers = services.observers();
        this.clock = services.clock();
        this.bodies = services.bodies();
        this.deadLetters = services.deadLetters();
        this.buffer = new LinkedBlockingQueue<>(settings.capacity());
        this.onResume = onResume;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public EndpointMode mode() {
        return durable != null ? EndpointMode.DURABLE : EndpointMode.BUFFERED;
    }

    @Override
    public boolean sendsOut() {
        return true;
    }

    /** Whether it stopped sending after repeated failures and pings its destination. */
    public boolean isLatched() {
        return latched;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = AgateThreads.named("agate-send-" + uri.getAuthority()).newThread(this::run);
        thread.start();
    }

    @Override
    public boolean send(Envelope envelope) {
        if (durable != null) {
            List<Envelope> stored = durable.persistOutgoing(null, List.of(envelope));
            if (stored.isEmpty()) {
                return false; // in the outbox already
            }
            enqueueStored(stored.get(0));
            return true;
        }
        if (!offer(envelope, sendTimeout)) {
            throw new QueueFullException("the sender to " + uri + " stayed full (capacity " + settings.capacity() + ") for "
                    + sendTimeout + (latched ? " while its destination does not answer" : "") + "; envelope " + envelope.id()
                    + " (" + envelope.messageType() + ") was not accepted");
        }
        return true;
    }

    @Override
    public boolean offer(Envelope envelope, Duration wait) {
        if (durable != null) {
            enqueueStored(envelope);
            return true;
        }
        if (!running) {
            throw new AgateException("the sender to " + uri + " is stopped; envelope " + envelope.id() + " was not accepted");
        }
        Envelope serialized = bodies.serialized(envelope); // fails the send, not the agent, when it cannot be serialized
        lastUsedNanos = System.nanoTime();
        return work.put(buffer, serialized, wait, () -> running, "the sender to " + uri);
    }

    /** Takes an envelope that is in the outbox, owned by this node; without room it goes back to any node. */
    private void enqueueStored(Envelope envelope) {
        lastUsedNanos = System.nanoTime();
        if (!running) {
            // Stopped (the host is closing, or this idle sender was replaced): the row goes back to any node.
            durable.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
            return;
        }
        work.begin();
        if (latched || !buffer.offer(envelope)) {
            work.end();
            durable.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
        }
    }

    /** True when it is running, not latched, holds nothing, and has taken nothing for {@code idle}. */
    public boolean isIdleFor(Duration idle) {
        return running && !latched && !holding && buffer.isEmpty() && System.nanoTime() - lastUsedNanos > idle.toNanos();
    }

    @Override
    public int room() {
        return latched || !running ? 0 : buffer.remainingCapacity();
    }

    // ---- the agent's thread

    private void run() {
        while (running) {
            try {
                if (latched) {
                    pingUntilAnswered();
                } else if (fillBatch()) {
                    sendBatch();
                }
            } catch (InterruptedException e) {
                // signalStop(): the loop ends; what is left is reported by awaitStop
            } catch (RuntimeException | Error e) {
                // Whatever it is, the loop must not end silently: it goes on after a pause, and an Error of the
                // JVM itself also stops the host taking work, loudly.
                if (!(e instanceof Error error && lifecycle.failIfFatal("the sender to " + uri, error))) {
                    log.error("the sender to {} failed unexpectedly; it goes on", uri, e);
                }
                pauseQuietly(MAX_PAUSE);
            }
        }
    }

    /** Tops up the batch: waits for a first envelope, then for more until full or as old as the maximum age. */
    private boolean fillBatch() throws InterruptedException {
        if (batch.isEmpty()) {
            Envelope first = buffer.poll(100, TimeUnit.MILLISECONDS);
            if (first == null) {
                return false;
            }
            batch.add(first);
            holding = true;
        }
        long deadline = System.nanoTime() + settings.maximumBatchAge().toNanos();
        while (batch.size() < settings.batchSize()) {
            if (buffer.drainTo(batch, settings.batchSize() - batch.size()) > 0) {
                continue;
            }
            long left = deadline - System.nanoTime();
            Envelope next = left > 0 ? buffer.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                break;
            }
            batch.add(next);
        }
        return true;
    }

    private void sendBatch() throws InterruptedException {
        if (durable != null && !leaseHolds()) {
            return;
        }
        dropExpired();
        while (!batch.isEmpty() && running && !latched) {
            List<Envelope> part = partSize == 0 ? List.copyOf(batch) : List.copyOf(batch.subList(0, Math.min(partSize, batch.size())));
            if (!sendPart(part)) {
                return; // paused, failed or latched: the main loop decides what next
            }
        }
        if (batch.isEmpty()) {
            partSize = 0;
            holding = false;
            lastUsedNanos = System.nanoTime();
        }
    }

    /**
     * Whether this node may send its durable batch: waits up to a second while its lease is not live. A batch
     * taken by an incarnation that was declared dead since goes out all the same once the lease is live again:
     * a send is safe twice (the receiver drops a duplicate by id), and the delete of a row another node owns
     * now changes nothing.
     */
    private boolean leaseHolds() throws InterruptedException {
        return durable.lease().awaitLive(durable.nodeId(), Duration.ofSeconds(1));
    }

    @Override
    public int dropStored() {
        if (durable == null) {
            return 0;
        }
        List<Envelope> dropped = new ArrayList<>();
        buffer.drainTo(dropped);
        dropped.forEach(e -> work.end());
        return dropped.size();
    }

    /** Sends the front of the batch; true when it made progress (acknowledged, dead-lettered or split), false to stop. */
    private boolean sendPart(List<Envelope> part) throws InterruptedException {
        List<MessageTracer.Span> spans = startSpans(part);
        Attempt attempt = new Attempt();
        try {
            return sendTraced(part, attempt);
        } finally {
            endSpans(spans, attempt.failure);
        }
    }

    /** Why an attempt to send a part did not deliver it, for its spans; null when it was delivered. */
    private static final class Attempt {
        String failure = "interrupted";
    }

    private List<MessageTracer.Span> startSpans(List<Envelope> part) {
        Tracing tracing = observers.tracing();
        if (!tracing.on()) {
            return List.of();
        }
        List<MessageTracer.Span> spans = new ArrayList<>(part.size());
        part.forEach(envelope -> spans.add(tracing.send(envelope, uri)));
        return spans;
    }

    private static void endSpans(List<MessageTracer.Span> spans, String failure) {
        for (MessageTracer.Span span : spans) {
            if (failure != null) {
                span.failed(new AgateException(failure));
            }
            span.end();
        }
    }

    /** {@link #sendPart}, noting in {@code attempt} why the part was not delivered. */
    private boolean sendTraced(List<Envelope> part, Attempt attempt) throws InterruptedException {
        ReceiveAnswer answer;
        try {
            answer = answerTo(part).get(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IllegalArgumentException) {
                attempt.failure = "it cannot be sent to " + uri + ": " + cause.getMessage();
                return narrowDown(part, attempt.failure);
            }
            attempt.failure = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            failed(attempt.failure);
            return false;
        } catch (TimeoutException e) {
            attempt.failure = "no answer within " + ANSWER_WAIT_SECONDS + " s";
            failed(attempt.failure);
            return false;
        }
        switch (answer.status()) {
            case RECEIVED -> {
                attempt.failure = null;
                acknowledged(part);
                return true;
            }
            case QUEUE_FULL -> {
                attempt.failure = "the receiver has no room: " + answer.reason();
                long pauseMillis = FULL.after(++fullInARow).toMillis();
                log.debug("{} has no room ({}); the sender waits {} ms", uri, answer.reason(), pauseMillis);
                Thread.sleep(pauseMillis);
                return false;
            }
            case CANNOT_PROCESS -> {
                attempt.failure = "the receiver cannot process the batch: " + answer.reason();
                failed(attempt.failure);
                return false;
            }
            default -> {
                attempt.failure = "the receiver at " + uri + " cannot deserialize it: " + answer.reason();
                return narrowDown(part, attempt.failure);
            }
        }
    }

    /**
     * {@code part} cannot go as it is (too large for one frame, or the receiver cannot deserialize something
     * in it): send it in halves from now on, down to the one envelope at fault, which is dead-lettered alone.
     */
    private boolean narrowDown(List<Envelope> part, String reason) {
        if (part.size() > 1) {
            partSize = Math.max(1, part.size() / 2);
            return true;
        }
        deadLetter(part.get(0), reason);
        batch.remove(0);
        return true;
    }

    /** The transport's answer; a transport that throws instead of failing its stage is taken as having failed it. */
    private java.util.concurrent.CompletableFuture<ReceiveAnswer> answerTo(List<Envelope> envelopes) {
        try {
            return transport.send(envelopes).toCompletableFuture();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private void acknowledged(List<Envelope> sent) {
        batch.subList(0, sent.size()).clear(); // a part is always the front of the batch
        failuresInARow = 0;
        fullInARow = 0;
        pingsSinceAcknowledged = 0;
        if (durable != null) {
            durable.deleteOutgoing(sent.stream().map(Envelope::id).toList());
        }
        for (Envelope envelope : sent) {
            observers.emit(Kind.FORWARDED, envelope, uri);
            work.end();
        }
    }

    private void dropExpired() {
        Instant now = clock.instant();
        List<Envelope> expired = new ArrayList<>(0);
        for (Envelope envelope : batch) {
            if (envelope.deliverBy() != null && envelope.deliverBy().isBefore(now)) {
                expired.add(envelope);
            }
        }
        if (expired.isEmpty()) {
            return;
        }
        batch.removeAll(expired);
        if (durable != null) {
            durable.deleteOutgoing(expired.stream().map(Envelope::id).toList());
        }
        for (Envelope envelope : expired) {
            log.info("envelope {} ({}) expired at {} before it could be sent to {}; discarded", envelope.id(), envelope.messageType(),
                    envelope.deliverBy(), uri);
            observers.emit(Kind.DISCARDED, envelope, uri, null, "expired before it was sent");
            work.end();
        }
    }

    private void deadLetter(Envelope envelope, String reason) {
        try {
            deadLetters.deadLetterUnsendable(envelope, uri, durable != null, reason);
            if (durable != null) {
                durable.deleteOutgoing(List.of(envelope.id()));
            }
        } catch (RuntimeException e) {
            // The store failed: the row goes back to any node, to be sent (and refused, and dead-lettered) again.
            log.error("envelope {} could not be moved to the dead letters: {}", envelope.id(), e.getMessage());
            if (durable != null) {
                durable.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
            }
        }
        work.end();
    }

    /** Counts a failed attempt: pauses before the next, or latches after too many in a row. */
    private void failed(String reason) throws InterruptedException {
        failuresInARow++;
        if (failuresInARow < settings.failuresBeforeLatching()) {
            Duration pause = FAILED.after(failuresInARow);
            log.warn("sending {} envelope(s) to {} failed ({} in a row): {}; trying again in {} ms", batch.size(), uri, failuresInARow,
                    reason, pause.toMillis());
            Thread.sleep(pause.toMillis());
            return;
        }
        latch(reason);
    }

    private void latch(String reason) {
        latched = true;
        latchedAtNanos = System.nanoTime();
        log.warn("the sender to {} latched after {} failed attempts in a row ({}); it pings the destination until it answers{}",
                uri, failuresInARow, reason, durable == null ? "; " + (batch.size() + buffer.size()) + " envelope(s) wait in memory"
                        : "; what it held waits in the store");
        if (durable != null) {
            List<Envelope> held = new ArrayList<>(batch);
            batch.clear();
            partSize = 0;
            buffer.drainTo(held);
            handBack(held);
        }
    }

    /** Gives envelopes back to any node; the recovery of outgoing envelopes brings them back when there is room. */
    private void handBack(List<Envelope> held) {
        if (held.isEmpty()) {
            return;
        }
        for (Envelope envelope : held) {
            durable.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
            work.end();
        }
    }

    private void pingUntilAnswered() throws InterruptedException {
        while (running) {
            if (abandonAfter != null && System.nanoTime() - latchedAtNanos > abandonAfter.toNanos()) {
                abandon();
                return;
            }
            int pings = ++pingsSinceAcknowledged;
            Thread.sleep(FAILED.after(pings).toMillis()); // before each ping too: a destination that answers pings but not batches is not hammered
            try {
                pingOnce().get(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
                latched = false;
                // Answering a ping is not accepting a batch (its store may still be down): one more failure
                // latches again, and the ping interval goes on growing until a batch is acknowledged.
                failuresInARow = settings.failuresBeforeLatching() - 1;
                log.info("the destination {} answers again after {} ping(s); the sender resumes", uri, pings);
                if (durable != null) {
                    onResume.run();
                }
                return;
            } catch (ExecutionException | TimeoutException e) {
                log.debug("ping {} to {} failed: {}", pings, uri, e.getCause());
            }
        }
    }

    /**
     * Closes this on-demand sender, latched longer than it may be: a durable one holds nothing (latching gave
     * its rows back to the store); a buffered one's envelopes go to the dead letters, said why, since nothing
     * else keeps them. Then the endpoints forget it, and its thread ends.
     */
    private void abandon() {
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
        }
        String reason = "the destination " + uri + " was unreachable for over " + abandonAfter + "; its sender was closed";
        List<Envelope> held = new ArrayList<>(batch);
        batch.clear();
        buffer.drainTo(held);
        for (Envelope envelope : held) {
            deadLetter(envelope, reason); // ends its work
        }
        transport.close();
        onAbandon.accept(this);
    }

    private java.util.concurrent.CompletableFuture<Void> pingOnce() {
        try {
            return transport.ping().toCompletableFuture();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private static void pauseQuietly(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void signalStop() {
        synchronized (this) {
            running = false;
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public List<Envelope> awaitStop(long deadlineNanos) {
        if (thread != null) {
            try {
                thread.join(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transport.close(); // fails a batch in flight, so the thread ends
        List<Envelope> left = new ArrayList<>();
        if (thread == null || !awaitThread(1_000)) {
            log.warn("the sender to {} did not stop in time; the batch it holds is left to the store (or lost, if buffered)", uri);
        } else {
            left.addAll(batch);
            batch.clear();
        }
        buffer.drainTo(left);
        left.forEach(e -> work.end());
        return left; // durable ones are still in the outbox, owned here: released when the host closes its store
    }

    private boolean awaitThread(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** For status: how many envelopes wait in memory. */
    int waiting() {
        return buffer.size() + batch.size();
    }

    @Override
    public String toString() {
        return settings + (latched ? " (latched)" : "");
    }
}
