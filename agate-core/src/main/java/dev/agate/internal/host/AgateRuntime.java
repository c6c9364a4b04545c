package dev.agate.internal.host;

import dev.agate.AgateException;
import dev.agate.AuditEntry;
import dev.agate.DeadLetters;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledMessages;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.HostStatus;
import dev.agate.Listener;
import dev.agate.LocalQueue;
import dev.agate.MessageBus;
import dev.agate.OutboxTransaction;
import dev.agate.StoreStatus;
import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.Observers;
import dev.agate.internal.bus.Addressing;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.bus.Endpoints;
import dev.agate.internal.bus.Transports;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.durability.HostScheduledMessages;
import dev.agate.internal.durability.DurabilityAgent;
import dev.agate.internal.durability.NodeMembership;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.endpoint.WorkTracker;
import dev.agate.internal.execution.Collaborators;
import dev.agate.internal.execution.EnvelopeExecutor;
import dev.agate.internal.execution.OutboxBlock;
import dev.agate.internal.handlers.HandlerGraph;
import dev.agate.internal.handlers.HandlerMethod;
import dev.agate.internal.handlers.HandlerScanner;
import dev.agate.internal.routing.Router;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.HandlingTurns;
import dev.agate.internal.transport.ListenerReceiver;
import dev.agate.internal.transport.SenderServices;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.MessageStore;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running host behind {@link dev.agate.AgateHost}: builds the runtime's parts from the configuration,
 * starts them and closes them, in the order each step needs. It holds the parts; none of them holds it.
 *
 * <p>Design: everything that can be checked is checked in {@link #create} (handler signatures, message
 * type names, route schemes), so a host that builds can run. Local queues declared in the configuration
 * start with the host; the others (a default route's queue, a {@code sendTo} target) open on first use.
 *
 * <p>Durability: with a message store (configured, or the default one when something is durable), start()
 * starts the store and registers this node ({@link NodeMembership}), then starts the
 * {@link DurabilityAgent}. close() stops listening and claiming first, drains, stops the workers, and only
 * then writes what waits, gives what this node still owns back to any node and deregisters it.
 *
 * <p>Threads: callers of the bus; the workers of each queue and sender; the scheduler; the durability
 * agent; the transports' own. The state that close() and the endpoints share is in {@link Lifecycle} and
 * {@link Endpoints}, each under its own lock.
 */
public final class AgateRuntime {
    private static final Logger log = LoggerFactory.getLogger(AgateRuntime.class);

    private final String serviceName;
    private final Duration shutdownTimeout;
    private final Lifecycle lifecycle;
    private final Observers observers;
    private final WorkTracker work = new WorkTracker();
    private final Transports transports;
    private final int handledTypes;
    private final List<URI> declaredQueues;
    /** Opened at start, so that the host's status lists them (latched or not) before any traffic; they connect when they first send. */
    private final List<URI> declaredSenders;
    private final List<ListenerReceiver> listeners = new ArrayList<>();
    /** Null for a host without a store, like the two below. */
    private final DurableStorage storage;
    private final NodeMembership membership;
    private final DurabilityAgent agent;
    private final Endpoints endpoints;
    private final Dispatcher dispatcher;
    private final Addressing addressing;
    private final EnvelopeExecutor executor;
    private final MessageBus bus;
    private final DeadLetters deadLetters;
    private final DeadLettering deadLettering;
    /** Null for a host without a store. */
    private final ScheduledMessages scheduledMessages;

    private AgateRuntime(HostConfiguration config) {
        this.serviceName = config.serviceName;
        this.shutdownTimeout = config.shutdownTimeout;
        this.lifecycle = new Lifecycle(serviceName);
        this.observers = new Observers(config.clock, new dev.agate.internal.Tracing(config.tracer));
        config.observers.forEach(observers::add);
        this.transports = Transports.load(config.transports);
        // What handlers may take from their transaction; the default store (built below, once everything
        // checks out, so a failed build leaves no pool behind) is a JDBC one.
        Set<Class<?>> resources = config.store != null ? config.store.transactionResources()
                : config.needsStore() ? Set.of(Connection.class) : Set.of();
        List<HandlerMethod> methods = new ArrayList<>();
        for (HostConfiguration.HandlerRegistration registration : config.handlers) {
            methods.addAll(HandlerScanner.scan(registration.target(), registration.policies(), resources));
        }
        HandlerGraph handlers = new HandlerGraph(methods, config.errorPolicies, config.defaultErrorPolicy);
        this.handledTypes = handlers.messageClasses().size();
        MessageTypes types = new MessageTypes();
        handlers.messageClasses().forEach(types::register);
        config.messageTypes.forEach(types::register);
        config.check(transports, handlers);
        Router router = new Router(config.routes, handlers);
        this.declaredQueues = config.localQueues.values().stream().map(LocalQueue::uri).toList();
        this.declaredSenders = config.senders.values().stream().map(dev.agate.Sender::destination).toList();

        MessageStore store = config.store != null ? config.store : config.needsStore() ? config.defaultStore() : null;
        EnvelopeBodies bodies = new EnvelopeBodies(types, config.serializer);
        this.storage = store == null ? null : new DurableStorage(store, config.durability, config.clock, bodies, observers);
        this.membership = storage == null ? null : new NodeMembership(serviceName, storage, config.durability.storeStartTimeout());
        DeadLettering deadLettering = new DeadLettering(storage, config.deadLetterCapacity, observers, config.clock);
        this.endpoints = new Endpoints(serviceName, config.endpointSettings(handlers), transports, storage, work,
                new SenderServices(work, config.sendTimeout, observers, config.clock, bodies, deadLettering, lifecycle));
        this.dispatcher = new Dispatcher(endpoints, storage, observers, config.clock, work, config.sendTimeout);
        this.addressing = new Addressing(serviceName, config.clock, router, endpoints, observers.tracing());
        this.executor = new EnvelopeExecutor(new Collaborators(serviceName, config.clock, observers, lifecycle, addressing, dispatcher,
                storage), handlers, bodies, deadLettering);
        this.agent = storage == null ? null : DurabilityAgent.forHost(storage, membership, endpoints, dispatcher, observers, lifecycle, deadLettering);
        // The two loops of the graph, closed once every part exists: local queues run the executor, which
        // addresses through the endpoints; replayed dead letters go back through the dispatcher.
        Runnable nothing = () -> { };
        endpoints.connect(executor, agent == null ? nothing : agent::wakeOutgoingRecovery);
        this.deadLetters = deadLettering.view(dispatcher::replay, agent == null ? nothing : agent::wakeIncomingRecovery);
        this.deadLettering = deadLettering;
        this.scheduledMessages = storage == null ? null : new HostScheduledMessages(storage, agent::wakeScheduled);
        for (Listener listener : config.listeners) {
            URI queue = URI.create("local://" + listener.queue());
            listeners.add(new ListenerReceiver(serviceName, listener, () -> endpoints.endpoint(queue), storage, observers, lifecycle));
        }
        this.bus = new HostBus(lifecycle, addressing, dispatcher, executor, config.clock);
    }

    /**
     * Checks the configuration and builds a runtime that is not started yet.
     *
     * @throws IllegalArgumentException for an invalid handler, route or endpoint, naming it
     * @throws IllegalStateException for two message classes with the same message-type name
     */
    public static AgateRuntime create(HostConfiguration config) {
        return new AgateRuntime(config);
    }

    // ---- what AgateHost shows

    public String serviceName() {
        return serviceName;
    }

    public MessageBus bus() {
        return bus;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    public ScheduledMessages scheduledMessages() {
        if (scheduledMessages == null) {
            throw new IllegalStateException("host '" + serviceName + "' has no message store: its scheduled messages wait in memory,"
                    + " where they cannot be listed or changed; give it a store to manage them");
        }
        return scheduledMessages;
    }

    public Page<AuditEntry> audit(PageRequest page) {
        return deadLettering.audit(java.util.Objects.requireNonNull(page, "page"));
    }

    /** This node's id in its store, or 0 without a store. */
    public int nodeId() {
        return storage == null ? 0 : storage.nodeId();
    }

    public void addObserver(MessageObserver observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    public void removeObserver(MessageObserver observer) {
        observers.remove(observer);
    }

    public boolean isRunning() {
        return lifecycle.isRunning();
    }

    public List<URI> listenerAddresses() {
        return listeners.stream().map(ListenerReceiver::address).filter(Objects::nonNull).toList();
    }

    /** See {@link dev.agate.AgateHost#status()}. */
    public HostStatus status() {
        return new HostStatus(isRunning(), nodeId(), storage == null ? null : storage.store().description(),
                storage == null ? null : storage.lastFailure(), lifecycle.failure(), endpoints.status(),
                listeners.stream().filter(l -> l.address() != null)
                        .map(l -> new HostStatus.ListenerStatus(l.address(), l.settings().queue(), l.problem())).toList());
    }

    /**
     * See {@link dev.agate.AgateHost#storeStatus()}. Read past the store's health: a dashboard's read that fails
     * must not pause the durable workers.
     */
    public StoreStatus storeStatus() {
        if (storage == null) {
            return StoreStatus.empty();
        }
        if (!lifecycle.isRunning()) {
            throw new AgateException("host '" + serviceName + "' is not running: its message store is not open");
        }
        try {
            return storage.store().admin().status();
        } catch (AgateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AgateException("reading what waits in " + storage.store().description() + " failed: " + e.getMessage(), e);
        }
    }

    /** See {@link dev.agate.AgateHost#outbox(java.sql.Connection)}. */
    public OutboxTransaction outbox(Connection connection) {
        return executor.outbox(connection, false).outbox();
    }

    /** The outbox of {@link dev.agate.AgateHost#inTransaction}'s block, and the connection its code works on. */
    public OutboxBlock outboxBlock(Connection connection) {
        return executor.outbox(connection, true);
    }

    /**
     * Before {@link dev.agate.AgateHost#inTransaction} asks {@code dataSource} for a connection: waits while a
     * durable handling has waited long for one of the same pool ({@link HandlingTurns}). Never on a handler's thread:
     * it may hold a connection of that pool, which the handling would then wait for in vain.
     */
    public void awaitApplicationTurn(javax.sql.DataSource dataSource) {
        if (storage != null && storage.turns().anyWaiting() && !executor.isHandlingOnThisThread()
                && storage.store().sharesConnections(dataSource)) {
            storage.turns().awaitApplicationTurn();
        }
    }

    /** The endpoints, for tests that hand envelopes to a queue directly. */
    Endpoints endpoints() {
        return endpoints;
    }

    // ---- lifecycle

    public void start() {
        lifecycle.start(() -> {
            if (membership != null) {
                membership.join();
            }
            dispatcher.start();
        }, () -> {
            declaredQueues.forEach(endpoints::endpoint);
            declaredSenders.forEach(endpoints::endpoint);
            listeners.forEach(l -> endpoints.endpoint(l.queueUri()));
            if (agent != null) {
                agent.start();
                log.debug("durability agent of host '{}' started: {}", serviceName, storage.settings());
            }
        });
        try {
            startListeners();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("host '{}' started: {} handler(s), local queues {}{}", serviceName, handledTypes, endpoints.names(),
                storage == null ? "" : "; node " + storage.nodeId() + " of " + storage.store().description());
    }

    /** Listens at every listener's URI; the first one's address becomes the reply-to of what this host sends out. */
    private void startListeners() {
        for (ListenerReceiver listener : listeners) {
            Listener settings = listener.settings();
            listener.listening(transports.of(settings.uri()).listen(settings.uri(), listener));
            if (addressing.replyUri() == null) {
                addressing.replyTo(settings.replyUri() != null ? settings.replyUri() : reachable(listener.address()));
            }
            log.info("host '{}' listens at {} for local://{}", serviceName, listener.address(), settings.queue());
        }
    }

    /** A listening address others can reach: a wildcard host (0.0.0.0, ::) becomes this machine's name. */
    private static URI reachable(URI address) {
        String host = address.getHost();
        if (host == null || !(host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]"))) {
            return address;
        }
        return URI.create(address.getScheme() + "://" + NodeMembership.localHostName() + ":" + address.getPort());
    }

    /**
     * Stops taking new sends, waits up to the shutdown timeout for accepted work (and what it cascades) to
     * finish, then stops the workers (interrupting any still busy, all against one deadline), then the
     * scheduler, and reports what was left. Idempotent; a concurrent second call waits for the first.
     *
     * <p>The order is the guarantee: stop listening, stop claiming, drain, stop the endpoints, write what
     * waits, release what this node owns, deregister, stop the agent, close the store and the transports.
     *
     * @throws IllegalStateException when called from a handler of this host, which would wait for itself
     */
    public void close() {
        if (executor.isHandlingOnThisThread()) {
            throw new IllegalStateException("close() was called from a handler of host '" + serviceName
                    + "': it would wait for that handler to finish; close the host from another thread");
        }
        if (!lifecycle.beginClose()) {
            endpoints.stopOpening(); // a host never started opens nothing from now on
            return;
        }
        // Stop taking batches first: a batch not acknowledged stays with its sender, which sends it again later.
        listeners.forEach(ListenerReceiver::close);
        if (agent != null) {
            agent.stopClaiming(); // take nothing more from the store while draining
        }
        log.info("host '{}' closing: draining {} envelope(s), waiting at most {}", serviceName, work.pending(), shutdownTimeout);
        boolean drained;
        try {
            drained = work.awaitIdle(shutdownTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        lifecycle.stopping();
        List<Endpoint> toStop = endpoints.stopOpening();
        toStop.forEach(Endpoint::signalStop);
        long deadline = System.nanoTime() + Endpoints.STOP_WAIT.toNanos();
        List<Envelope> buffered = new ArrayList<>();
        int inStore = 0;
        for (Endpoint endpoint : toStop) {
            List<Envelope> left = endpoint.awaitStop(deadline);
            if (endpoint.mode() == EndpointMode.DURABLE) {
                inStore += left.size();
            } else {
                buffered.addAll(left);
            }
        }
        List<Envelope> scheduled = new ArrayList<>();
        for (Envelope envelope : dispatcher.stop()) {
            Endpoint endpoint = envelope.destination() == null ? null : endpoints.opened(envelope.destination());
            if (endpoint != null && endpoint.mode() == EndpointMode.DURABLE) {
                inStore++;
            } else {
                scheduled.add(envelope);
            }
        }
        if (storage != null) {
            try {
                membership.leave(inStore);
            } finally {
                agent.stop();
                membership.close();
            }
        }
        transports.closeAll();
        reportLeftovers(drained, buffered, scheduled);
        lifecycle.closed();
        log.info("host '{}' closed", serviceName);
    }

    private void reportLeftovers(boolean drained, List<Envelope> buffered, List<Envelope> scheduled) {
        buffered.forEach(e -> observers.emit(Kind.ABANDONED, e, e.destination(), null, "host closed"));
        scheduled.forEach(e -> observers.emit(Kind.ABANDONED, e, e.destination(), null, "host closed"));
        if (!drained) {
            log.warn("host '{}' did not drain within {}; busy handlers were interrupted", serviceName, shutdownTimeout);
        }
        if (!buffered.isEmpty() || !scheduled.isEmpty()) {
            log.warn("host '{}' closed with {} buffered and {} scheduled envelope(s) not handled; they were in memory only"
                    + " and are lost: {}", serviceName, buffered.size(), scheduled.size(),
                    Stream.concat(buffered.stream(), scheduled.stream()).limit(20)
                            .map(e -> e.id() + " (" + e.messageType() + ")").collect(Collectors.joining(", ")));
        }
    }
}
