package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.benchmarks.TcpScenario.Answer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending side of a TCP scenario: an Agate host in this JVM that sends requests, numbered from 1, to a
 * {@link TcpReceiver} in another JVM and takes its answers, each of which reports its round trip to the
 * phase's {@link Answers}. A receiver that exits during a phase fails the phase.
 */
final class TcpTarget implements Target {
    /** How long {@link #finish} waits for a late duplicate answer before it checks. */
    private static final long GRACE_MILLIS = 300;

    private final TcpReceiver receiver;
    private final AnswerHandler handler = new AnswerHandler();
    private final AgateHost host;
    private final Send send;
    private final AtomicLong nextId = new AtomicLong(1);
    private volatile Phase phase;
    private volatile boolean stopping;

    /** What a producer does once: sends the request {@code id}, stamped with the time it set out. */
    @FunctionalInterface
    interface Send {
        void send(AgateHost host, long id) throws Exception;
    }

    /** Takes each answer and hands it to the current phase's answers, with its round trip. */
    static final class AnswerHandler {
        private volatile Answers answers;

        @Handler
        void on(Answer answer) {
            long roundTrip = System.nanoTime() - answer.sentAtNanos();
            answers.answered(answer.id(), roundTrip);
        }
    }

    /**
     * Starts a host from {@code builder}, which must route the requests to {@code receiver} and listen for
     * the answers; this adds the answers' handler.
     */
    TcpTarget(TcpReceiver receiver, AgateHost.Builder builder, Send send) {
        this.receiver = receiver;
        this.send = send;
        this.host = builder.handlers(handler).start();
        receiver.onExit().thenAccept(process -> {
            Phase current = phase;
            if (!stopping && current != null) {
                String problem = "the TCP receiver exited (status " + process.exitValue() + ") before its phase ended";
                System.err.println("[bench] " + problem + "; producers may now fail on a full sender");
                current.fail(new IllegalStateException(problem + "; its errors are above"));
            }
        });
    }

    @Override
    public void begin(Phase phase) {
        Answers previous = handler.answers;
        if (previous != null) {
            previous.verify(); // a duplicate that came after the previous phase ended, too late to fail it
        }
        this.phase = phase;
        handler.answers = new Answers(phase, nextId.get());
    }

    @Override
    public void operate() throws Exception {
        send.send(host, nextId.getAndIncrement());
    }

    @Override
    public void end(Phase phase) {
        handler.answers.verify();
    }

    /** The receiver's JIT compilers' time, which it reports a few times a second. */
    @Override
    public long otherProcessesCompilationMillis() {
        return receiver.compilationMillis();
    }

    /** The receiver's CPU time: a round trip costs CPU on both sides. */
    @Override
    public long otherProcessesCpuNanos() {
        return receiver.cpuNanos();
    }

    /**
     * After the last phase: waits a moment for a late duplicate, checks the answers again, closes the
     * host, stops the receiver and checks that it handled every request sent, each once.
     *
     * @throws IllegalStateException when a message was not answered, or handled or answered more than once
     */
    void finish() throws Exception {
        Thread.sleep(GRACE_MILLIS);
        handler.answers.verify();
        stopping = true;
        host.close();
        long sent = nextId.get() - 1;
        TcpReceiver.Handled handled = receiver.stop();
        if (handled.handled() != sent || handled.distinct() != sent) {
            throw new IllegalStateException("the receiver handled " + handled.handled() + " requests (" + handled.distinct()
                    + " distinct ids) of the " + sent + " sent; expected each exactly once");
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            host.close();
        } finally {
            receiver.close();
        }
    }
}
