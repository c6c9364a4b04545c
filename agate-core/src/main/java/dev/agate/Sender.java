package dev.agate;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the sending agent of one destination ({@code tcp://orders-host:2201}): how it holds what is
 * sent there, and how it batches. Immutable; see {@link #to(String)}. Destinations not declared get
 * {@link #to(String) default settings}: buffered, unless the host makes senders durable by default.
 *
 * <p>A {@link EndpointMode#DURABLE durable} sender writes each envelope to the message store's outbox in
 * the sender's transaction; the row is deleted only after the destination acknowledged it, so a crash
 * at any moment loses nothing (the durability agent of this node or another sends it again; the
 * receiver recognizes a duplicate by its id). A {@link EndpointMode#BUFFERED buffered} sender holds at
 * most {@link #capacity()} envelopes in memory: a send blocks while it is full and fails with
 * {@link QueueFullException} after the host's send timeout; a crash loses what it holds.
 *
 * <p>The agent sends in batches of at most {@link #batchSize()}: by default what is ready when it can send
 * (while one batch waits for its answer, what comes meanwhile makes the next), or, with a
 * {@link #maximumBatchAge()} above zero, a partial batch once its oldest envelope has waited that long. After {@link #failuresBeforeLatching()} failed attempts
 * in a row it latches: it stops sending, a durable one gives what it holds back to the store, and it pings
 * the destination with a growing interval until it answers, then resumes.
 */
public final class Sender {
    private final URI destination;
    private final EndpointMode mode;
    private final int batchSize;
    private final Duration maximumBatchAge;
    private final int capacity;
    private final int failuresBeforeLatching;

    private Sender(Builder b) {
        this.destination = b.destination;
        this.mode = b.mode;
        this.batchSize = b.batchSize;
        this.maximumBatchAge = b.maximumBatchAge;
        this.capacity = b.capacity;
        this.failuresBeforeLatching = b.failuresBeforeLatching;
    }

    public static Builder to(String destination) {
        return new Builder(URI.create(Objects.requireNonNull(destination, "destination")));
    }

    /** Default settings for {@code destination} in {@code mode}. */
    public static Sender defaults(URI destination, EndpointMode mode) {
        Builder builder = new Builder(destination);
        builder.mode = mode;
        return builder.build();
    }

    public URI destination() { return destination; }

    /** {@link EndpointMode#DURABLE} or {@link EndpointMode#BUFFERED}; null when not declared (the host's default). */
    public EndpointMode mode() { return mode; }

    /** Default 100. */
    public int batchSize() { return batchSize; }

    /** How long a partial batch may wait for more; default 0: what is ready is sent when the agent can send. */
    public Duration maximumBatchAge() { return maximumBatchAge; }

    /** How many envelopes it holds in memory. Default 10,000. */
    public int capacity() { return capacity; }

    /** Default 3. */
    public int failuresBeforeLatching() { return failuresBeforeLatching; }

    @Override
    public String toString() {
        return "sender to " + destination + (mode == null ? "" : " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")")
                + ", batches of " + batchSize + " or " + maximumBatchAge.toMillis() + " ms";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final URI destination;
        private EndpointMode mode;
        private int batchSize = 100;
        private Duration maximumBatchAge = Duration.ZERO;
        private int capacity = 10_000;
        private int failuresBeforeLatching = 3;

        private Builder(URI destination) {
            if (destination.getScheme() == null || "local".equals(destination.getScheme())) {
                throw new IllegalArgumentException("a sender's destination names a transport, like tcp://host:2201, not " + destination);
            }
            this.destination = destination;
        }

        /** Through the outbox: nothing is lost in a crash. */
        public Builder durable() {
            this.mode = EndpointMode.DURABLE;
            return this;
        }

        /** In memory only. */
        public Builder buffered() {
            this.mode = EndpointMode.BUFFERED;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1 but was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder maximumBatchAge(Duration age) {
            if (age.isNegative()) {
                throw new IllegalArgumentException("maximumBatchAge must not be negative but was " + age);
            }
            this.maximumBatchAge = age;
            return this;
        }

        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1 but was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        public Builder failuresBeforeLatching(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("failuresBeforeLatching must be >= 1 but was " + failures);
            }
            this.failuresBeforeLatching = failures;
            return this;
        }

        public Sender build() {
            return new Sender(this);
        }
    }
}
