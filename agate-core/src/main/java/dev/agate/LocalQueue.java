package dev.agate;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of one named in-process worker queue, addressed as {@code local://NAME}. Immutable; see
 * {@link #builder(String)}.
 *
 * <p>A {@link EndpointMode#BUFFERED} queue holds at most {@link #capacity()} envelopes waiting for a
 * worker (plus one in the hands of each worker); a send to a full queue blocks the sender (back-pressure)
 * and fails with {@link QueueFullException} after the host's send timeout. {@link #sequential()} queues
 * have one worker and handle envelopes in the order they were sent, except those that an error policy
 * requeues or schedules for a later retry.
 *
 * <p>A {@link EndpointMode#DURABLE} queue writes every envelope to the host's message store before the
 * send returns (in the handler's transaction, for a cascade) and marks it handled in the transaction of
 * the handler that handled it (several envelopes per transaction while they wait: see
 * {@link Durability#handlingBatchSize(int)}). Its buffer never blocks a sender: when it is full the
 * envelope waits in the store, still this node's, and is loaded back in order as room frees (counted in
 * {@link HostStatus.EndpointStatus#waitingInStore()}). After a crash, the envelopes left in the store
 * are handled by this node when it restarts, or by another node of the service.
 */
public final class LocalQueue {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]*");

    /** The default number of worker threads per queue (a durable queue's store may say otherwise: see {@link #maximumParallelism()}). */
    public static final int DEFAULT_PARALLELISM = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** The default capacity of a buffered queue. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final String name;
    private final EndpointMode mode;
    private final int maximumParallelism;
    private final boolean parallelismSet;
    private final boolean sequential;
    private final int capacity;

    private LocalQueue(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.maximumParallelism = b.sequential ? 1 : b.maximumParallelism;
        this.parallelismSet = b.sequential || b.explicitParallelism != null;
        this.sequential = b.sequential;
        this.capacity = b.capacity;
    }

    /** Settings for the queue {@code name}: letters, digits, '.', '_' and '-'. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The default settings for a queue of this name. */
    public static LocalQueue named(String name) {
        return builder(name).build();
    }

    public String name() { return name; }

    /** {@code local://name}. */
    public java.net.URI uri() { return java.net.URI.create("local://" + name); }

    /** Default {@link EndpointMode#BUFFERED}. */
    public EndpointMode mode() { return mode; }

    /**
     * How many envelopes are handled at once, as set; 1 when sequential. Default {@link #DEFAULT_PARALLELISM}.
     * When it was not set ({@link #parallelismSet()}) and the queue is durable, the host runs as many workers as
     * its store says ({@link dev.agate.spi.MessageStore#durableQueueWorkers}): one on SQLite, which runs one writer
     * at a time, one more than this on PostgreSQL and MariaDB; this value stays as it is.
     */
    public int maximumParallelism() { return maximumParallelism; }

    /** Whether {@link Builder#maximumParallelism} or {@link Builder#sequential} was called: the host keeps it as set. */
    public boolean parallelismSet() { return parallelismSet; }

    /** One at a time, in order. Default false. */
    public boolean sequential() { return sequential; }

    /**
     * How many envelopes may wait in memory. Default {@link #DEFAULT_CAPACITY}. A durable queue leaves the
     * rest in its store.
     */
    public int capacity() { return capacity; }

    @Override
    public String toString() {
        return "local://" + name + " (" + mode + ", parallelism=" + maximumParallelism
                + (sequential ? ", sequential" : "") + ", capacity=" + capacity + ")";
    }

    /** Builds {@link LocalQueue} settings; {@link #build()} validates them. */
    public static final class Builder {
        private final String name;
        private EndpointMode mode = EndpointMode.BUFFERED;
        private Integer explicitParallelism;
        private int maximumParallelism = DEFAULT_PARALLELISM;
        private boolean sequential;
        private int capacity = DEFAULT_CAPACITY;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("local queue name '" + name
                        + "' must start with a letter or digit and hold only letters, digits, '.', '_' and '-'");
            }
            this.name = name;
        }

        public Builder mode(EndpointMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder maximumParallelism(int maximumParallelism) {
            if (maximumParallelism < 1) {
                throw new IllegalArgumentException("maximumParallelism must be >= 1 but was " + maximumParallelism);
            }
            this.explicitParallelism = maximumParallelism;
            this.maximumParallelism = maximumParallelism;
            return this;
        }

        /** {@link EndpointMode#DURABLE}: envelopes are kept in the host's message store until handled. */
        public Builder durable() {
            return mode(EndpointMode.DURABLE);
        }

        /** One worker, envelopes handled in the order they were sent. */
        public Builder sequential() {
            this.sequential = true;
            return this;
        }

        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1 but was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * @throws IllegalStateException when {@code sequential} is combined with a parallelism above 1
         */
        public LocalQueue build() {
            if (sequential && explicitParallelism != null && explicitParallelism > 1) {
                throw new IllegalStateException("local://" + name + ": sequential conflicts with maximumParallelism "
                        + explicitParallelism + "; a sequential queue has one worker");
            }
            return new LocalQueue(this);
        }
    }
}
