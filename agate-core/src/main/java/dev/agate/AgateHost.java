package dev.agate;

import dev.agate.internal.routing.RouteRule;
import dev.agate.internal.host.AgateRuntime;
import dev.agate.internal.host.HostConfiguration;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.MessageStore;
import dev.agate.spi.Serializer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A running Agate application: handlers, routes, endpoints and settings assembled by {@link #builder()}.
 *
 * <pre>{@code
 * try (AgateHost host = AgateHost.builder()
 *         .serviceName("orders")
 *         .handlers(new OrderHandler())
 *         .localQueue(LocalQueue.builder("billing").sequential().build())
 *         .route(InvoiceDue.class, "local://billing")
 *         .start()) {
 *     host.bus().send(new PlaceOrder(42));
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops taking new messages, lets the work already accepted (and what it cascades)
 * finish within the shutdown timeout, then stops the worker threads; what was still buffered in memory is
 * logged as lost. Thread-safe.
 */
public final class AgateHost implements AutoCloseable {
    private final AgateRuntime runtime;

    private AgateHost(AgateRuntime runtime) {
        this.runtime = runtime;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bus to send, publish, invoke and schedule through. */
    public MessageBus bus() {
        return runtime.bus();
    }

    /**
     * Opens the transactional outbox on the application's {@code connection}, whose transaction the
     * application has begun ({@code setAutoCommit(false)}): what is sent through it commits or rolls back
     * with what the application writes on that connection. See {@link OutboxTransaction} for the guarantees
     * and how to end it. The connection must reach the host's message store's database.
     *
     * @throws IllegalStateException when the host has no message store
     * @throws IllegalArgumentException when the connection is in auto-commit mode or on another database
     * @throws AgateException when the host is not running
     */
    public OutboxTransaction outbox(java.sql.Connection connection) {
        return runtime.outbox(connection);
    }

    /**
     * Runs {@code work} in a transaction on a connection from {@code dataSource}, with an outbox on it:
     * commits when it returns, and returns its result; rolls back and sends nothing when it throws
     * (rethrowing; checked exceptions wrapped in {@link AgateException}). The connection is given back to
     * the pool with its auto-commit setting restored, right after the commit and before what the block sent is
     * handed to its queues and senders, so a worker woken by a message never waits for the connection that sent it
     * (with SQLite, the pool's only one). And when {@code dataSource} is the store's own (the same object), before
     * it asks for its connection it waits while a worker of one of this host's durable queues has waited 20 ms or
     * more for one, until each worker that had has it (at most a second; never on a handler's thread): a pool gives
     * a connection back to the thread that asks first, and a thread that runs transactions back to back would
     * otherwise keep a worker, and the messages it handles, waiting for as long as it goes on.
     *
     * <p>Unlike {@link #outbox(java.sql.Connection)}, the block's durable sends are written when it commits,
     * together, so a block that sends one message costs one round trip less on PostgreSQL: its row is written
     * by a statement that carries the COMMIT. The {@code connection} the block gets writes them first when the
     * block's own code commits, rolls back, sets a savepoint or turns auto-commit on, so they still commit
     * with its data; a COMMIT sent as SQL text, or on the driver's connection that {@code unwrap} returns, is not
     * seen. A message that cannot be serialized still fails the {@code send} that sent it; a database error in
     * writing the messages comes from the commit, and rolls everything back.
     *
     * @throws AgateException when no connection can be had or the commit fails; nothing was sent
     */
    public <T> T inTransaction(javax.sql.DataSource dataSource, OutboxWork<T> work) {
        Objects.requireNonNull(work, "work");
        java.sql.Connection connection;
        boolean autoCommit;
        Objects.requireNonNull(dataSource, "dataSource");
        runtime.awaitApplicationTurn(dataSource); // a durable handling that has waited long for a connection goes first
        try {
            connection = dataSource.getConnection();
        } catch (java.sql.SQLException e) {
            throw new AgateException("could not get a connection for a transaction: " + e.getMessage(), e);
        }
        try {
            autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
        } catch (java.sql.SQLException e) {
            closeQuietly(connection, e);
            throw new AgateException("could not begin a transaction: " + e.getMessage(), e);
        }
        Runnable release = new Release(connection, autoCommit);
        try {
            // The block's outbox writes what it sends at the commit; its code works on a connection that writes
            // them first if the code ends the transaction itself.
            var block = runtime.outboxBlock(connection);
            try (OutboxTransaction outbox = block.outbox()) {
                T result = work.run(block.connection(), outbox);
                block.commitThen(release); // the connection goes back before what was sent wakes a worker that may need it
                return result;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AgateException("the transaction's work failed and was rolled back: " + e, e);
        } finally {
            release.run();
        }
    }

    /** Gives the connection of {@link #inTransaction} back to its pool, with its auto-commit as it was; once. */
    private static final class Release implements Runnable {
        private final java.sql.Connection connection;
        private final boolean autoCommit;
        private boolean done;

        Release(java.sql.Connection connection, boolean autoCommit) {
            this.connection = connection;
            this.autoCommit = autoCommit;
        }

        @Override
        public void run() {
            if (done) {
                return;
            }
            done = true;
            // Never throws: it runs after the commit, which must not then look failed to the caller.
            try {
                connection.setAutoCommit(autoCommit);
            } catch (java.sql.SQLException | RuntimeException e) {
                // The pool checks the connection when it comes back; nothing to undo here.
            } finally {
                closeQuietly(connection, null);
            }
        }
    }

    /** The work of {@link #inTransaction}: writes on {@code connection}, sends through {@code outbox}. */
    @FunctionalInterface
    public interface OutboxWork<T> {
        T run(java.sql.Connection connection, MessageBus outbox) throws Exception;
    }

    /** Closes {@code connection}; a failure to close is added to {@code failure} (when there is one), never thrown. */
    private static void closeQuietly(java.sql.Connection connection, Throwable failure) {
        try {
            connection.close();
        } catch (java.sql.SQLException | RuntimeException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Where this host's listeners listen, with the ports they bound (a listener asked for port 0 gets a
     * free one), in the order they were declared; empty before start.
     */
    public List<URI> listenerAddresses() {
        return runtime.listenerAddresses();
    }

    /** The dead letters of this host: its store's and those kept in memory. See {@link DeadLetters}. */
    public DeadLetters deadLetters() {
        return runtime.deadLetters();
    }

    /**
     * The scheduled messages in this host's message store (every one the host scheduled, and those other nodes
     * and services on the store scheduled). See {@link ScheduledMessages}.
     *
     * @throws IllegalStateException when the host has no message store (its scheduled messages are in memory only)
     */
    public ScheduledMessages scheduledMessages() {
        return runtime.scheduledMessages();
    }

    /**
     * The audit of operators' actions (replays, deletes, edits of dead letters; cancels and reschedules of scheduled
     * messages), sorted by when each began, then by id, in the page's order: those recorded in the store, by any
     * node or the command line, and those on this host's in-memory dead letters (the last 1,000).
     *
     * @throws AgateException when the store cannot be read
     */
    public Page<AuditEntry> audit(PageRequest page) {
        return runtime.audit(page);
    }

    /**
     * This node's id in its message store: what the rows it owns carry as their owner. 0 for a host without
     * a store, or before start. It may change while running if another node declared this one dead.
     */
    public int nodeId() {
        return runtime.nodeId();
    }

    /** A snapshot of this host's health: running, its store answering, its endpoints. Cheap; never blocks on the store. */
    public HostStatus status() {
        return runtime.status();
    }

    /**
     * Reads what waits in the message store: envelopes per endpoint with the oldest of each, dead letters by
     * message type and exception, the nodes and the leader. For dashboards and health endpoints, not for hot
     * loops: each call reads the store (only the rows that wait, through its indexes), on the calling thread.
     * A host without a store returns {@link StoreStatus#empty()}.
     *
     * @throws AgateException when the host is not running or the store cannot be read (it is down)
     * @throws UnsupportedOperationException when the store cannot tell ({@link dev.agate.spi.StoreAdmin#status()})
     */
    public StoreStatus storeStatus() {
        return runtime.storeStatus();
    }

    public String serviceName() {
        return runtime.serviceName();
    }

    /** True between {@link #start()} and {@link #close()}. */
    public boolean isRunning() {
        return runtime.isRunning();
    }

    /**
     * Adds an observer of every message event, until the returned registration is closed.
     * See {@link MessageObserver} for the threads it is called on.
     */
    public Registration observe(MessageObserver observer) {
        runtime.addObserver(observer);
        return () -> runtime.removeObserver(observer);
    }

    /**
     * Starts the worker threads and the scheduler; with a message store, first starts the store (trying again
     * while it fails, up to {@link Durability#storeStartTimeout()}) and registers this node.
     *
     * @throws IllegalStateException if the host was started before
     * @throws MessageStoreStartException when the store did not start; the message gives its cause first
     */
    public AgateHost start() {
        runtime.start();
        return this;
    }

    /** Drains and stops; blocks for at most the shutdown timeout plus a few seconds. Idempotent. */
    @Override
    public void close() {
        runtime.close();
    }

    /** Ends an {@link #observe} registration. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Collects the host's parts; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private final HostConfiguration config = new HostConfiguration();

        private Builder() {
        }

        /** The name written as the source of every envelope. Default "agate". */
        public Builder serviceName(String serviceName) {
            if (serviceName == null || serviceName.isBlank()) {
                throw new IllegalArgumentException("serviceName must not be blank");
            }
            config.serviceName = serviceName;
            return this;
        }

        /**
         * Registers handler objects: each one's {@link Handler} methods, instance and static. A
         * {@code Class} registers that class's static handler methods.
         */
        public Builder handlers(Object... handlers) {
            for (Object handler : handlers) {
                handler(handler);
            }
            return this;
        }

        /** Registers one handler object with error policies that apply to its handlers first. */
        public Builder handler(Object handler, ErrorPolicy... policies) {
            config.handlers.add(new HostConfiguration.HandlerRegistration(Objects.requireNonNull(handler, "handler"),
                    List.of(policies)));
            return this;
        }

        /** Routes messages of {@code type} (and its subclasses) to these endpoints. */
        public Builder route(Class<?> type, String... endpoints) {
            config.routes.add(RouteRule.forType(Objects.requireNonNull(type, "type"), uris(endpoints)));
            return this;
        }

        /** Routes messages whose class is in {@code packageName} (or below) to these endpoints. */
        public Builder routePackage(String packageName, String... endpoints) {
            config.routes.add(RouteRule.forPackage(Objects.requireNonNull(packageName, "packageName"), uris(endpoints)));
            return this;
        }

        /** Routes messages whose class satisfies {@code predicate}; {@code description} names the rule in errors. */
        public Builder routeWhere(Predicate<Class<?>> predicate, String description, String... endpoints) {
            config.routes.add(new RouteRule(description, predicate, uris(endpoints)));
            return this;
        }

        /** Declares a local queue; queues not declared get {@link LocalQueue#named(String) default settings}. */
        public Builder localQueue(LocalQueue queue) {
            if (config.localQueues.putIfAbsent(queue.name(), queue) != null) {
                throw new IllegalArgumentException("local queue '" + queue.name() + "' is declared twice");
            }
            return this;
        }

        /**
         * Listens for envelopes from other services; see {@link Listener}. The first listener's address is the
         * reply-to of what this host sends to other services.
         */
        public Builder listener(Listener listener) {
            config.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Declares the sending agent of a destination; destinations not declared get default settings. */
        public Builder sender(Sender sender) {
            if (config.senders.putIfAbsent(sender.destination().toString(), sender) != null) {
                throw new IllegalArgumentException("a sender to " + sender.destination() + " is declared twice");
            }
            return this;
        }

        /**
         * How long a sender this host opened on demand (to answer a reply-to address, say; not declared and
         * not named by a route) may hold nothing before it is closed, when another destination needs a
         * sender: so answering many peers does not keep a thread and a connection for each. Default 5 min.
         */
        public Builder idleSenderTimeout(Duration timeout) {
            config.idleSenderTimeout = positive(timeout, "idleSenderTimeout");
            return this;
        }

        /**
         * How long a sender this host opened on demand (to answer a reply-to address, say; not declared and not
         * named by a route) may stay latched, its destination unreachable, before it closes: so peers that went
         * away for good do not keep a thread, a connection and a retry loop each. A durable sender's envelopes
         * stay in the outbox, unowned, and go out when the destination answers again (recovery tries it again
         * after as long again, and a new send to it opens a sender at once); a buffered sender's envelopes, held
         * only in memory, go to the dead letters with the reason. Default 10 min.
         */
        public Builder unreachableSenderTimeout(Duration timeout) {
            config.unreachableSenderTimeout = positive(timeout, "unreachableSenderTimeout");
            return this;
        }

        /** Makes every sender that is not declared otherwise {@link EndpointMode#DURABLE}: sent through the outbox. */
        public Builder durableSenders() {
            config.durableSenders = true;
            return this;
        }

        /**
         * Registers a transport with its settings (TLS, tokens...), replacing the one found on the class path
         * for its scheme. The host closes it when it closes.
         */
        public Builder transport(dev.agate.spi.Transport transport) {
            config.transports.add(Objects.requireNonNull(transport, "transport"));
            return this;
        }

        /** Adds a global error policy, tried after the handlers' own and before the default. */
        public Builder onError(ErrorPolicy policy) {
            config.errorPolicies.add(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * Replaces the last-resort policy ({@link ErrorPolicy#defaults()}); it must match every exception,
         * so build it with {@link ErrorPolicy#onAny()}.
         */
        public Builder defaultErrorPolicy(ErrorPolicy policy) {
            if (!policy.matches(new Throwable())) {
                throw new IllegalArgumentException("the default error policy must match every exception: use ErrorPolicy.onAny()");
            }
            config.defaultErrorPolicy = policy;
            return this;
        }

        /** Makes message classes known by name even though no handler here takes them. */
        public Builder messageTypes(Class<?>... types) {
            config.messageTypes.addAll(Arrays.asList(types));
            return this;
        }

        /** Replaces the JSON serializer. */
        public Builder serializer(Serializer serializer) {
            config.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /** The clock for timestamps, expiry and schedules. Default: the system UTC clock. */
        public Builder clock(Clock clock) {
            config.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long a send waits for room in a full queue before {@link QueueFullException}. Default 10 s. */
        public Builder sendTimeout(Duration sendTimeout) {
            config.sendTimeout = positive(sendTimeout, "sendTimeout");
            return this;
        }

        /** How long {@link AgateHost#close()} waits for accepted work to finish. Default 30 s. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            config.shutdownTimeout = positive(shutdownTimeout, "shutdownTimeout");
            return this;
        }

        /** How many dead letters are kept in memory when there is no message store. Default 10,000. */
        public Builder deadLetterCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("deadLetterCapacity must be >= 1 but was " + capacity);
            }
            config.deadLetterCapacity = capacity;
            return this;
        }

        /**
         * The message store of durable endpoints, durable schedules and durable dead letters. The host
         * starts it (retrying with backoff while it cannot be reached, up to
         * {@link Durability#storeStartTimeout()}) and closes it. Without one, a host that has durable
         * endpoints uses the default store found on the class path ({@code agate-jdbc}: an SQLite file whose
         * path is logged at start).
         */
        public Builder store(MessageStore store) {
            config.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The durability agent's settings. Default {@link Durability#defaults()}. */
        public Builder durability(Durability durability) {
            config.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /** Makes every local queue that is not declared otherwise {@link EndpointMode#DURABLE}. */
        public Builder durableLocalQueues() {
            config.durableLocalQueues = true;
            return this;
        }

        /**
         * Carries distributed traces through this host's envelopes: the sender's trace context is stored in
         * each envelope it sends, and the relay and the handling report spans that continue it (see
         * {@link dev.agate.spi.MessageTracer}; {@code agate-micrometer}'s {@code AgateTracing} is one). Without
         * one, envelopes keep any {@code traceparent} header they carry, and nothing more happens.
         */
        public Builder tracer(dev.agate.spi.MessageTracer tracer) {
            config.tracer = Objects.requireNonNull(tracer, "tracer");
            return this;
        }

        /** Adds an observer from the start, so it sees every event. */
        public Builder observer(MessageObserver observer) {
            config.observers.add(Objects.requireNonNull(observer, "observer"));
            return this;
        }

        /**
         * Checks everything and builds a host that is not started.
         *
         * @throws IllegalArgumentException for a handler whose signature cannot work, a route to an unknown
         *         endpoint scheme (the message lists the known ones) or an invalid queue name
         * @throws IllegalStateException for two message classes with the same message-type name
         */
        public AgateHost build() {
            return new AgateHost(AgateRuntime.create(config));
        }

        /** {@link #build()} then {@link AgateHost#start()}. */
        public AgateHost start() {
            return build().start();
        }

        private static List<URI> uris(String... endpoints) {
            if (endpoints.length == 0) {
                throw new IllegalArgumentException("name at least one endpoint");
            }
            return Arrays.stream(endpoints).map(URI::create).toList();
        }

        private static Duration positive(Duration value, String name) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }
    }
}
