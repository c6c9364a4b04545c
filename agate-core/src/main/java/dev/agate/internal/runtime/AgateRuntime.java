package dev.agate.internal.runtime;

import dev.agate.AgateException;
import dev.agate.DeadLetter;
import dev.agate.DeadLetters;
import dev.agate.DeliveryOptions;
import dev.agate.Durability;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.LocalQueue;
import dev.agate.MessageBus;
import dev.agate.NoRouteException;
import dev.agate.QueueFullException;
import dev.agate.Uuid7;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.handlers.HandlerGraph;
import dev.agate.internal.handlers.HandlerMethod;
import dev.agate.internal.handlers.HandlerScanner;
import dev.agate.internal.routing.RouteRule;
import dev.agate.internal.routing.Router;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.spi.LeaderLock;
import dev.agate.spi.MessageObserver;
import dev.agate.spi.MessageStore;
import dev.agate.spi.MessageStoreProvider;
import dev.agate.spi.Serializer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running host behind {@link dev.agate.AgateHost}: its bus, endpoints, scheduler and dead letters.
 *
 * <p>Design: everything that can be checked is checked in {@link #create} (handler signatures, message
 * type names, route schemes), so a host that builds can run. Local queues declared in the configuration
 * start with the host; the others (a default route's queue, a {@code sendTo} target) are created on first
 * use. The lifecycle moves CREATED, RUNNING, CLOSING, CLOSED under {@code lifecycle}; public sends are
 * refused outside RUNNING, while handlers still running in CLOSING may cascade, so that draining finishes
 * the work it started.
 *
 * <p>Durability: with a message store (configured, or the default one when a queue is durable), start()
 * starts the store (retrying with backoff), registers this node and starts the {@link DurabilityAgent};
 * close() stops the agent's claims first, drains, stops the workers, writes pending handled marks, and
 * only then gives what this node still owns back to any node and deregisters it.
 *
 * <p>Threads: callers of the bus; the workers of each queue; the scheduler; the durability agent. Shared
 * state is the endpoint map (concurrent), the work tracker (atomic), the dead letters (own monitor) and
 * the state.
 */
public final class AgateRuntime implements MessageBus {
    private static final Logger log = LoggerFactory.getLogger(AgateRuntime.class);
    /** How long close() waits for interrupted workers to end, after the shutdown timeout. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private enum State { CREATED, RUNNING, CLOSING, CLOSED }

    private final String serviceName;
    private final Clock clock;
    private final Serializer serializer;
    private final Duration sendTimeout;
    private final Duration shutdownTimeout;
    private final MessageTypes types = new MessageTypes();
    private final HandlerGraph handlers;
    private final Router router;
    private final Map<String, LocalQueue> declaredQueues;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    /**
     * The same endpoints by the URI strings used to reach them, so a send skips parsing and validation.
     * Strings, not URIs: URI.equals ignores the case of the host part, and queue names are case-sensitive.
     */
    private final Map<String, Endpoint> endpointsByUri = new ConcurrentHashMap<>();
    private final Observers observers;
    private final WorkTracker work = new WorkTracker();
    private final EnvelopeExecutor executor = new EnvelopeExecutor(this);
    private final InMemoryDeadLetters deadLetters;
    /** The message store's side of the runtime, or null for a host without a store. */
    private final DurableStorage durable;
    private final DeadLetters publicDeadLetters;
    private final Duration storeStartTimeout;
    private final boolean durableLocalQueues;
    private final boolean durableSenders;
    /** The transports by scheme: configured ones, else those found on the class path. */
    private final Map<String, dev.agate.spi.Transport> transports;
    private final Map<String, dev.agate.Sender> declaredSenders;
    private final List<ListenerReceiver> listeners = new ArrayList<>();
    /** The reply-to of envelopes sent to other services: the first listener's address; null without listeners. */
    private volatile URI replyUri;
    private RecoverJob outgoingRecovery;
    /** How long a sender opened on demand may hold nothing before a new destination's sender replaces it. */
    private final Duration idleSenderTimeout;
    /** The URIs routing rules name, as strings: their senders are kept open. */
    private final Set<String> routedUris;
    /** Destinations whose stored outgoing envelopes this host leaves alone, its sender there being buffered (warned once). */
    private final Set<String> bufferedWithRows = ConcurrentHashMap.newKeySet();
    /** "local://name" of the queues this host declared or handles: the ones it recovers envelopes for. */
    private final Set<String> knownQueues = ConcurrentHashMap.newKeySet();
    private DurabilityAgent agent;
    private RecoverJob recovery;
    private LeaderLock leaderLock;
    /** How this node names itself in the registry: service, pid and host (looked up once: it can be slow). */
    private String nodeDescription;
    private InMemoryScheduler scheduler;
    /** Runs delayed work of inline endpoints, so their handlers never run on the scheduler's thread. */
    private ExecutorService inlineTimers;
    private final Object lifecycle = new Object();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile State state = State.CREATED;
    /** Set when close() stops the workers: from then on an interrupted attempt is abandoned, not retried. */
    private volatile boolean stopping;

    private AgateRuntime(HostConfiguration config) {
        this.serviceName = config.serviceName;
        this.clock = config.clock;
        this.serializer = config.serializer;
        this.sendTimeout = config.sendTimeout;
        this.shutdownTimeout = config.shutdownTimeout;
        this.observers = new Observers(clock);
        config.observers.forEach(observers::add);
        this.transports = Transports.load(config.transports);
        this.declaredSenders = Map.copyOf(config.senders);
        this.durableSenders = config.durableSenders;
        this.idleSenderTimeout = config.idleSenderTimeout;
        // What handlers may take from their transaction; the default store (built below, once everything
        // checks out, so a failed build leaves no pool behind) is a JDBC one.
        Set<Class<?>> resources = config.store != null ? config.store.transactionResources()
                : needsStore(config) ? Set.of(java.sql.Connection.class) : Set.of();
        List<HandlerMethod> methods = new ArrayList<>();
        for (HostConfiguration.HandlerRegistration registration : config.handlers) {
            methods.addAll(HandlerScanner.scan(registration.target(), registration.policies(), resources));
        }
        this.handlers = new HandlerGraph(methods, config.errorPolicies, config.defaultErrorPolicy);
        handlers.messageClasses().forEach(types::register);
        config.messageTypes.forEach(types::register);
        for (RouteRule rule : config.routes) {
            rule.endpoints().forEach(uri -> checkEndpoint(uri, "route " + rule.description()));
        }
        config.senders.values().forEach(s -> checkEndpoint(s.destination(), s.toString()));
        for (dev.agate.Listener listener : config.listeners) {
            checkTransport(listener.uri(), listener.toString());
            LocalQueue queue = config.localQueues.get(listener.queue());
            if (queue != null && listener.mode() != null && queue.mode() != listener.mode()) {
                throw new IllegalArgumentException(listener + " is declared " + listener.mode() + " but its queue " + queue.uri()
                        + " is declared " + queue.mode());
            }
        }
        for (Class<?> handled : handlers.messageClasses()) {
            checkEndpoint(defaultQueueOf(handled), "default route of " + handled.getName());
        }
        this.router = new Router(config.routes, handlers);
        this.routedUris = config.routes.stream().flatMap(r -> r.endpoints().stream()).map(URI::toString)
                .collect(Collectors.toUnmodifiableSet());
        this.declaredQueues = Map.copyOf(config.localQueues);
        this.deadLetters = new InMemoryDeadLetters(config.deadLetterCapacity, this::replay);
        this.durableLocalQueues = config.durableLocalQueues;
        this.storeStartTimeout = config.durability.storeStartTimeout();
        declaredQueues.values().forEach(q -> knownQueues.add(q.uri().toString()));
        config.listeners.forEach(l -> knownQueues.add("local://" + l.queue()));
        handlers.messageClasses().forEach(type -> knownQueues.add(Router.defaultLocalQueue(type).toString()));
        for (RouteRule rule : config.routes) {
            rule.endpoints().stream().filter(uri -> "local".equals(uri.getScheme()))
                    .forEach(uri -> knownQueues.add("local://" + localName(uri)));
        }
        MessageStore store = config.store != null ? config.store : needsStore(config) ? defaultStore(serviceName) : null;
        this.durable = store == null ? null : new DurableStorage(store, config.durability, clock, serializer);
        for (dev.agate.Listener listener : config.listeners) {
            listeners.add(new ListenerReceiver(listener, this, durable));
        }
        this.publicDeadLetters = durable == null ? deadLetters
                : new StoredDeadLetters(durable, deadLetters, () -> agent.runSoon(recovery));
    }

    private static boolean needsStore(HostConfiguration config) {
        return config.durableLocalQueues || config.durableSenders
                || config.localQueues.values().stream().anyMatch(q -> q.mode() == EndpointMode.DURABLE)
                || config.listeners.stream().anyMatch(l -> l.mode() == EndpointMode.DURABLE)
                || config.senders.values().stream().anyMatch(s -> s.mode() == EndpointMode.DURABLE);
    }

    private static MessageStore defaultStore(String serviceName) {
        MessageStoreProvider provider = ServiceLoader.load(MessageStoreProvider.class).findFirst().orElseThrow(() ->
                new IllegalStateException("host '" + serviceName + "' has durable endpoints but no message store: add agate-jdbc"
                        + " to the class path for the embedded SQLite store, or configure AgateHost.builder().store(...)"));
        return provider.defaultStore(serviceName);
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

    public String serviceName() {
        return serviceName;
    }

    public DeadLetters deadLetters() {
        return publicDeadLetters;
    }

    /** This node's id in its store, or 0 without a store. */
    public int nodeId() {
        return durable == null ? 0 : durable.nodeId();
    }

    public void addObserver(MessageObserver observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    public void removeObserver(MessageObserver observer) {
        observers.remove(observer);
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    // ---- lifecycle

    public void start() {
        synchronized (lifecycle) {
            if (state != State.CREATED) {
                throw new IllegalStateException("host '" + serviceName + "' is " + state + "; a host starts once");
            }
            if (durable != null) {
                startStore();
            }
            scheduler = new InMemoryScheduler(clock, work, this::fireScheduled);
            inlineTimers = Executors.newCachedThreadPool(AgateThreads.named("agate-inline"));
            state = State.RUNNING;
            declaredQueues.values().forEach(q -> endpoint(q.uri()));
            listeners.forEach(l -> endpoint(l.queueUri()));
            if (durable != null) {
                startAgent();
            }
        }
        try {
            startListeners();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("host '{}' started: {} handler(s), local queues {}{}", serviceName, handlers.messageClasses().size(),
                endpoints.keySet(), durable == null ? "" : "; node " + durable.nodeId() + " of " + durable.store().description());
    }

    /** Starts the store, trying again with backoff while it fails, then registers this node. */
    private void startStore() {
        MessageStore store = durable.store();
        long deadline = System.nanoTime() + storeStartTimeout.toNanos();
        long backoffMillis = 250;
        while (true) {
            try {
                store.start();
                break;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    store.close();
                    throw new AgateException("host '" + serviceName + "' could not start its message store (" + store.description()
                            + ") within " + storeStartTimeout + ": " + e.getMessage(), e);
                }
                log.error("host '{}' cannot start its message store ({}): {}; trying again in {} ms", serviceName,
                        store.description(), e.getMessage(), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    store.close();
                    throw new AgateException("interrupted while starting the message store of host '" + serviceName + "'", interrupted);
                }
                backoffMillis = Math.min(5_000, backoffMillis * 2);
            }
        }
        nodeDescription = serviceName + " pid " + ProcessHandle.current().pid() + " on " + hostName();
        try {
            durable.nodeId(durable.call("registering this node", () -> store.nodes().register(serviceName, nodeDescription, clock.instant())));
        } catch (RuntimeException e) {
            store.close();
            throw new AgateException("host '" + serviceName + "' could not register as a node of " + store.description() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Listens at every listener's URI; the first one's address becomes the reply-to of what this host sends out. */
    private void startListeners() {
        for (ListenerReceiver listener : listeners) {
            dev.agate.Listener settings = listener.settings();
            listener.listening(transports.get(settings.uri().getScheme()).listen(settings.uri(), listener));
            if (replyUri == null) {
                replyUri = settings.replyUri() != null ? settings.replyUri() : reachable(listener.address());
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
        return URI.create(address.getScheme() + "://" + hostName() + ":" + address.getPort());
    }

    public List<URI> listenerAddresses() {
        return listeners.stream().map(ListenerReceiver::address).filter(Objects::nonNull).toList();
    }

    private void startAgent() {
        Durability settings = durable.settings();
        leaderLock = durable.store().leaderLock();
        recovery = RecoverJob.incoming(durable, this::roomFor, this::deliverStored);
        outgoingRecovery = RecoverJob.outgoing(durable, this::senderRoom, this::deliverOutgoing);
        agent = new DurabilityAgent(List.of(
                new HeartbeatJob(durable, serviceName, nodeDescription),
                new ReleaseDeadNodesJob(durable, leaderLock),
                recovery,
                outgoingRecovery,
                new FireScheduledJob(durable, this::deliverStored),
                new CleanupJob(durable),
                new FlushHandledMarksJob(durable)));
        agent.start();
        log.debug("durability agent of host '{}' started: {}", serviceName, settings);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown host";
        }
    }

    /**
     * Stops taking new sends, waits up to the shutdown timeout for accepted work (and what it cascades) to
     * finish, then stops the workers (interrupting any still busy, all against one deadline), then the
     * scheduler, and reports what was left. Idempotent; a concurrent second call waits for the first.
     *
     * @throws IllegalStateException when called from a handler of this host, which would wait for itself
     */
    public void close() {
        if (EnvelopeExecutor.isHandling(this)) {
            throw new IllegalStateException("close() was called from a handler of host '" + serviceName
                    + "': it would wait for that handler to finish; close the host from another thread");
        }
        boolean first;
        synchronized (lifecycle) {
            if (state == State.CREATED) {
                state = State.CLOSED;
                closed.countDown();
                return;
            }
            first = state == State.RUNNING;
            if (first) {
                state = State.CLOSING;
            }
        }
        if (!first) {
            awaitClosed(); // outside the lock: the first close() needs it to finish
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
        List<Endpoint> toStop;
        synchronized (lifecycle) {
            stopping = true;
            toStop = List.copyOf(endpoints.values());
        }
        toStop.forEach(Endpoint::signalStop);
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
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
        inlineTimers.shutdownNow();
        List<Envelope> scheduled = new ArrayList<>();
        for (Envelope envelope : scheduler.shutdown()) {
            Endpoint endpoint = envelope.destination() == null ? null : endpointsByUri.get(envelope.destination().toString());
            if (endpoint != null && endpoint.mode() == EndpointMode.DURABLE) {
                inStore++;
            } else {
                scheduled.add(envelope);
            }
        }
        if (durable != null) {
            closeStore(inStore);
        }
        closeTransports();
        synchronized (lifecycle) {
            state = State.CLOSED;
        }
        reportLeftovers(drained, buffered, scheduled);
        closed.countDown();
        log.info("host '{}' closed", serviceName);
    }

    /**
     * After the workers stopped: writes pending handled marks, gives what this node still owns back to any
     * node, deregisters it, and closes the store. Never before draining: a node that released what it was
     * still handling would let another node handle it too.
     */
    private void closeStore(int leftInStore) {
        MessageStore store = durable.store();
        int node = durable.nodeId();
        try {
            if (!durable.flushHandledMarksNow()) {
                throw new AgateException("the handled marks could not be written; nothing is released, so that what was handled"
                        + " is not handed out again before the leader finds this node gone");
            }
            int released = durable.call("releasing what node " + node + " owns", () -> store.inbox().releaseOwnedBy(node)
                    + store.outbox().releaseOwnedBy(node));
            durable.call("deregistering node " + node, () -> {
                store.nodes().deregister(node);
                return null;
            });
            if (released > 0 || leftInStore > 0) {
                log.info("host '{}' left {} envelope(s) in its store for any node ({} were in memory)", serviceName, released, leftInStore);
            }
        } catch (RuntimeException e) {
            log.error("host '{}' could not release what node {} owns in {}: another node takes it over once this node's heartbeat"
                    + " is {} old", serviceName, node, store.description(), durable.settings().nodeTimeout(), e);
        } finally {
            agent.stop();
            leaderLock.release();
            store.close();
        }
    }

    private void closeTransports() {
        for (dev.agate.spi.Transport transport : new java.util.LinkedHashSet<>(transports.values())) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                log.warn("closing the {} transport failed", transport.scheme(), e);
            }
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isStopping() {
        return stopping;
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
                    describe(buffered, scheduled));
        }
    }

    private static String describe(List<Envelope> buffered, List<Envelope> scheduled) {
        return java.util.stream.Stream.concat(buffered.stream(), scheduled.stream()).limit(20)
                .map(e -> e.id() + " (" + e.messageType() + ")").collect(Collectors.joining(", "));
    }

    // ---- the bus

    @Override
    public void send(Object message) {
        send(message, DeliveryOptions.none());
    }

    @Override
    public void send(Object message, DeliveryOptions options) {
        checkRunning();
        deliverAll(route(message, options, null, true, null));
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        checkRunning();
        deliverAll(List.of(address(endpoint, message, options, null, null)));
    }

    @Override
    public void publish(Object message) {
        publish(message, DeliveryOptions.none());
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        checkRunning();
        deliverAll(route(message, options, null, false, null));
    }

    @Override
    public void invoke(Object message) {
        checkRunning();
        executor.invoke(Objects.requireNonNull(message, "message"), null, null);
    }

    @Override
    public <T> T invoke(Object message, Class<T> responseType) {
        checkRunning();
        Objects.requireNonNull(responseType, "responseType");
        return responseType.cast(executor.invoke(Objects.requireNonNull(message, "message"), responseType, null));
    }

    @Override
    public void schedule(Object message, Instant time) {
        schedule(message, time, DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Duration delay) {
        schedule(message, clock.instant().plus(delay), DeliveryOptions.none());
    }

    @Override
    public void schedule(Object message, Instant time, DeliveryOptions options) {
        checkRunning();
        deliverAll(route(message, options, null, true, Objects.requireNonNull(time, "time")));
    }

    /** See {@link dev.agate.AgateHost#status()}. */
    public dev.agate.HostStatus status() {
        List<dev.agate.HostStatus.EndpointStatus> opened = endpoints.values().stream()
                .map(e -> new dev.agate.HostStatus.EndpointStatus(e.uri(), e.mode(), e instanceof SendingAgent s && s.isLatched()))
                .sorted(java.util.Comparator.comparing(e -> e.uri().toString())).toList();
        return new dev.agate.HostStatus(isRunning(), nodeId(), durable == null ? null : durable.store().description(),
                durable == null ? null : durable.lastFailure(), opened);
    }

    /** See {@link dev.agate.AgateHost#outbox(java.sql.Connection)}. */
    public dev.agate.OutboxTransaction outbox(java.sql.Connection connection) {
        checkRunning();
        if (durable == null) {
            throw new IllegalStateException("host '" + serviceName + "' has no message store, so it has no outbox: configure"
                    + " AgateHost.builder().store(...) on the application's database, or make a local queue durable");
        }
        return new OutboxContext(this, durable, connection, durable.enlist(connection));
    }

    void checkRunning() {
        State current = state;
        if (current != State.RUNNING) {
            throw new AgateException("host '" + serviceName + "' is " + current.name().toLowerCase(java.util.Locale.ROOT)
                    + (current == State.CREATED ? "; call start() first" : "; it takes no new messages"));
        }
    }

    // ---- routing and delivery, shared with ExecutionContext

    /** Addresses {@code message} to every routed endpoint. */
    List<Delivery> route(Object message, DeliveryOptions options, Envelope parent, boolean required, Instant scheduledTime) {
        Objects.requireNonNull(message, "message");
        List<URI> uris = router.routesFor(message.getClass());
        if (uris.isEmpty()) {
            if (required) {
                throw new NoRouteException("no route for message type '" + MessageTypes.nameOf(message.getClass()) + "' ("
                        + message.getClass().getName() + "): no routing rule matches it and no handler in host '"
                        + serviceName + "' handles it");
            }
            return List.of();
        }
        List<Delivery> deliveries = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            deliveries.add(address(uri, message, options, parent, scheduledTime));
        }
        return deliveries;
    }

    /** Addresses {@code message} to one endpoint, in a new envelope of its own. */
    Delivery address(URI uri, Object message, DeliveryOptions options, Envelope parent, Instant scheduledTime) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(options, "options");
        Endpoint endpoint = endpoint(uri);
        return new Delivery(endpoint, newEnvelope(message, options, parent, endpoint.uri(), scheduledTime));
    }

    Envelope newEnvelope(Object message, DeliveryOptions options, Envelope parent, URI destination, Instant scheduledTime) {
        Instant now = clock.instant();
        UUID id = Uuid7.next();
        // A correlation id ties a whole conversation together: the caller's, else the parent's, else this id.
        String correlationId = options.correlationId() != null ? options.correlationId()
                : parent != null && parent.correlationId() != null ? parent.correlationId() : id.toString();
        return Envelope.builder()
                .id(id)
                .messageType(MessageTypes.nameOf(message.getClass()))
                .message(message)
                .source(serviceName)
                .sentAt(now)
                .headers(options.headers())
                .correlationId(correlationId)
                .causationId(parent == null ? null : parent.id())
                .destination(destination)
                .replyTo(destination == null || "local".equals(destination.getScheme()) ? null : replyUri)
                .scheduledTime(scheduledTime)
                .deliverBy(options.expiryFrom(scheduledTime != null && scheduledTime.isAfter(now) ? scheduledTime : now))
                .build();
    }

    /** Delivers sends from outside the handlers: a full queue blocks the caller, then fails the send. */
    void deliverAll(List<Delivery> deliveries) {
        for (int i = 0; i < deliveries.size(); i++) {
            try {
                deliver(deliveries.get(i));
            } catch (QueueFullException e) {
                if (i == 0) {
                    throw e;
                }
                throw new QueueFullException(e.getMessage() + "; the message was already accepted by "
                        + deliveries.subList(0, i).stream().map(d -> d.endpoint().uri().toString()).toList());
            }
        }
    }

    private void deliver(Delivery delivery) {
        if (scheduledForLater(delivery)) {
            return;
        }
        Envelope envelope = delivery.envelope();
        URI uri = delivery.endpoint().uri();
        observers.emit(Kind.SENT, envelope, uri);
        try {
            delivery.endpoint().send(envelope);
        } catch (RuntimeException e) {
            observers.emit(Kind.ABANDONED, envelope, uri, e, e.getMessage());
            throw e;
        }
    }

    /**
     * Delivers the cascades of a unit of work whose handlers succeeded: they are owed, so nothing here
     * fails the handling. A queue that stays full for the send timeout (at once, for the handler's own
     * queue, which its worker cannot drain while it waits) gets the envelope later through the scheduler,
     * counted as in-flight work.
     */
    void deliverOwed(List<Delivery> deliveries, Endpoint origin) {
        for (Delivery delivery : deliveries) {
            Envelope envelope = delivery.envelope();
            URI uri = delivery.endpoint().uri();
            try {
                if (scheduledForLater(delivery)) {
                    continue;
                }
                observers.emit(Kind.SENT, envelope, uri);
                Duration wait = delivery.endpoint() == origin ? Duration.ZERO : sendTimeout;
                if (!delivery.endpoint().offer(envelope, wait)) {
                    log.warn("{} stayed full; envelope {} ({}) waits in memory and is offered again every {}", uri,
                            envelope.id(), envelope.messageType(), InMemoryScheduler.FULL_RETRY);
                    scheduler.schedule(delivery, clock.instant().plus(InMemoryScheduler.FULL_RETRY), true, true);
                }
            } catch (RuntimeException e) {
                log.error("could not deliver envelope {} ({}) to {}; abandoned", envelope.id(), envelope.messageType(), uri, e);
                observers.emit(Kind.ABANDONED, envelope, uri, e, e.getMessage());
            }
        }
    }

    /**
     * Hands a delivery whose scheduled time is still ahead to the store (when the host has one: it survives
     * a restart) or to the in-memory scheduler; false when it is due now.
     */
    private boolean scheduledForLater(Delivery delivery) {
        Envelope envelope = delivery.envelope();
        Instant now = clock.instant();
        if (!DurableStorage.isLater(envelope, now)) {
            return false;
        }
        if (durable != null) {
            durable.persist(null, delivery.endpoint().uri(), List.of(envelope), now);
        } else {
            scheduler.schedule(delivery, envelope.scheduledTime(), false, false);
        }
        observers.emit(Kind.SCHEDULED, envelope, delivery.endpoint().uri());
        return true;
    }

    /**
     * Puts an envelope claimed from the store (now owned by this node) into its endpoint. A durable queue
     * keeps it in the store until handled; another endpoint takes it into memory and it leaves the store.
     * When the endpoint cannot take it, the claim is released, so nothing is lost between claim and queue.
     */
    private void deliverStored(Envelope envelope) {
        if (envelope.destination() == null || !takesFromStore(envelope.destination())) {
            // Another service's (the store may be shared): give it back, as incoming, to the nodes that know it.
            durable.release(List.of(envelope.id()));
            return;
        }
        Endpoint endpoint;
        boolean accepted;
        try {
            endpoint = endpoint(envelope.destination());
            if (endpoint.sendsOut()) {
                // A scheduled send that came due, or a replayed dead letter: it leaves the inbox for the sender.
                observers.emit(Kind.SENT, envelope, endpoint.uri());
                if (endpoint.mode() == EndpointMode.DURABLE) {
                    durable.moveToOutbox(envelope); // one transaction: a crash cannot leave it in both, or neither
                    endpoint.offer(envelope, Duration.ZERO);
                } else {
                    endpoint.send(envelope);
                    durable.markHandledLater(envelope.id());
                }
                return;
            }
            if (endpoint.mode() == EndpointMode.DURABLE) {
                observers.emit(Kind.SENT, envelope, endpoint.uri());
                endpoint.offer(envelope, Duration.ZERO);
                return;
            }
            accepted = fireScheduled(new Delivery(endpoint, envelope), true);
        } catch (RuntimeException e) {
            log.warn("could not deliver stored envelope {} ({}) to {}; released to any node: {}", envelope.id(), envelope.messageType(),
                    envelope.destination(), e.toString());
            accepted = false;
        }
        if (accepted) {
            durable.markHandledLater(envelope.id());
        } else {
            durable.release(List.of(envelope.id()));
        }
    }

    /**
     * Whether this host takes stored envelopes for {@code uri}: a queue it declared, handles, routes to or
     * has opened, or any local queue that its settings make durable (one opened on first use before a
     * restart, say). Not another service's queue, when services share a store.
     */
    private boolean takesFromStore(URI uri) {
        if (knownQueues.contains(uri.toString())) {
            return true;
        }
        if (!"local".equals(uri.getScheme())) {
            return transports.containsKey(uri.getScheme()); // any node that has the transport can send it
        }
        try {
            checkEndpoint(uri, "stored envelope");
            return queueSettings(localName(uri)).mode() == EndpointMode.DURABLE;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Room for recovered envelopes in the endpoint of {@code uri}; -1 when this host does not take them. */
    private int roomFor(URI uri) {
        if (!takesFromStore(uri)) {
            return -1;
        }
        try {
            return endpoint(uri).room();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Room in the sender of {@code destination} for recovered outgoing envelopes; -1 when this host cannot send there. */
    private int senderRoom(URI destination) {
        if (destination.getScheme() == null || !transports.containsKey(destination.getScheme())) {
            return -1;
        }
        try {
            Endpoint sender = endpoint(destination);
            if (sender.mode() != EndpointMode.DURABLE) {
                if (bufferedWithRows.add(destination.toString())) {
                    log.warn("the store holds outgoing envelopes for {}, whose sender on this host is buffered; they wait for a node"
                            + " whose sender to it is durable (a buffered sender would lose them in a crash)", destination);
                }
                return 0;
            }
            return sender.room();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Hands a claimed outgoing envelope (now owned by this node) to its durable sender, which deletes it once acknowledged. */
    private void deliverOutgoing(Envelope envelope) {
        try {
            endpoint(envelope.destination()).offer(envelope, Duration.ZERO); // a durable sender: senderRoom() saw to it
        } catch (RuntimeException e) {
            log.warn("could not hand outgoing envelope {} to its sender for {}; released to any node: {}", envelope.id(),
                    envelope.destination(), e.toString());
            durable.releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
        }
    }

    /** The envelope with its serialized body, for a transport. */
    Envelope serialized(Envelope envelope) {
        return envelope.body() != null ? envelope : envelope.withBody(serializer.contentType(), serializer.serialize(envelope.message()));
    }

    /**
     * Moves an envelope its destination refuses for good (it cannot deserialize it) to the dead letters, so
     * that a person can see why and replay it once the receiver is fixed.
     */
    void deadLetterUnsendable(Envelope envelope, Endpoint sender, String reason) {
        DeadLetter letter = new DeadLetter(envelope, sender.uri(), reason, null, null, null, envelope.attempts(), clock.instant());
        if (sender.mode() == EndpointMode.DURABLE) {
            durable.deadLetterOutgoing(letter);
        } else {
            deadLetters.add(letter);
        }
        log.error("envelope {} ({}) moved to dead letters: {}", envelope.id(), envelope.messageType(), reason);
        observers.emit(Kind.DEAD_LETTERED, envelope, sender.uri(), null, reason);
    }

    /** Called by the scheduler when a delivery is due; false when the endpoint is full. Never runs a handler. */
    private boolean fireScheduled(Delivery delivery, boolean firstTry) {
        Envelope envelope = delivery.envelope();
        Endpoint endpoint = delivery.endpoint();
        if (firstTry) {
            observers.emit(Kind.SENT, envelope, endpoint.uri());
        }
        if (endpoint.mode() != EndpointMode.INLINE) {
            return endpoint.offer(envelope, Duration.ZERO);
        }
        work.begin();
        try {
            inlineTimers.execute(() -> {
                try {
                    endpoint.send(envelope);
                } catch (RuntimeException e) {
                    log.error("could not hand envelope {} to {}; abandoned", envelope.id(), endpoint.uri(), e);
                    observers.emit(Kind.ABANDONED, envelope, endpoint.uri(), e, e.getMessage());
                } finally {
                    work.end();
                }
            });
        } catch (RuntimeException e) {
            work.end();
            throw e;
        }
        return true;
    }

    /** Holds an accepted envelope for a later attempt; close() waits for it like for queued work. */
    void scheduleRetry(Envelope envelope, Endpoint origin, Instant at) {
        scheduler.schedule(new Delivery(origin, envelope), at, true, false);
    }

    DurableStorage durable() {
        return durable;
    }

    private boolean isDurable(Endpoint origin) {
        return durable != null && origin != null && origin.mode() == EndpointMode.DURABLE;
    }

    /** A scheduled retry: in the store for a durable envelope (it survives a restart), else in memory. */
    void scheduleDurableRetry(Envelope envelope, Endpoint origin, Instant at) {
        if (isDurable(origin)) {
            try {
                if (!durable.scheduleRetry(envelope.id(), envelope.attempts(), at)) {
                    log.warn("envelope {} ({}) was taken over by another node while it failed here; its retry is that node's",
                            envelope.id(), envelope.messageType());
                }
                return;
            } catch (StoreUnavailableException e) {
                log.warn("the retry of envelope {} waits in memory: {}", envelope.id(), e.getMessage());
            }
        }
        scheduleRetry(envelope, origin, at);
    }

    /** Tries a durable envelope again once the store has had a rest; it stays owned by this node meanwhile. */
    void retryAfterStoreFailure(Envelope envelope, Endpoint origin) {
        scheduleRetry(envelope, origin, clock.instant().plus(durable.retryDelay()));
    }

    /** Writes the attempts of a durable envelope, so a crash does not reset them; best effort. */
    void recordAttempts(Envelope envelope, Endpoint origin) {
        if (isDurable(origin)) {
            try {
                durable.recordAttempts(envelope.id(), envelope.attempts());
            } catch (StoreUnavailableException e) {
                log.debug("could not record the attempts of envelope {}", envelope.id(), e);
            }
        }
    }

    /** An envelope that ends without being handled (discarded, expired): a durable one is marked done. */
    void forget(Envelope envelope, Endpoint origin) {
        if (isDurable(origin)) {
            durable.markHandledLater(envelope.id());
        }
    }

    private void replay(DeadLetter letter) {
        // A replay is a person's decision to try again now: attempts start over and an old expiry no longer applies.
        Envelope envelope = letter.envelope().toBuilder().attempts(0).deliverBy(null).build();
        log.info("replaying dead letter {} ({}) to {}", envelope.id(), envelope.messageType(), letter.endpoint());
        deliver(new Delivery(endpoint(letter.endpoint()), envelope));
    }

    /**
     * Moves an envelope to the dead letters: the store's, for an envelope from a durable endpoint, else the
     * in-memory ones.
     *
     * @throws StoreUnavailableException when the store failed; the envelope is still where it was
     */
    void deadLetter(Envelope envelope, Endpoint origin, String reason, Throwable failure) {
        URI endpoint = origin.uri();
        String stack = null;
        if (failure != null) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            stack = trace.toString();
        }
        DeadLetter letter = new DeadLetter(envelope, endpoint, reason, failure == null ? null : failure.getClass().getName(),
                failure == null ? null : failure.getMessage(), stack, envelope.attempts(), clock.instant());
        if (isDurable(origin)) {
            if (!durable.deadLetter(letter)) {
                log.warn("envelope {} ({}) was taken over by another node while it failed here; not dead-lettered by this node",
                        envelope.id(), envelope.messageType());
                observers.emit(Kind.DISCARDED, envelope, endpoint, failure, "no longer owned by this node");
                return;
            }
        } else {
            deadLetters.add(letter);
        }
        log.error("envelope {} ({}) moved to dead letters from {} after {} attempt(s): {}", envelope.id(),
                envelope.messageType(), endpoint, envelope.attempts(), reason, failure);
        observers.emit(Kind.DEAD_LETTERED, envelope, endpoint, failure, reason);
    }

    // ---- endpoints

    private void checkEndpoint(URI uri, String where) {
        if (!"local".equals(uri.getScheme())) {
            checkTransport(uri, where);
            return;
        }
        try {
            LocalQueue.builder(localName(uri));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + uri + ", " + where + ")", e);
        }
    }

    /** Checks a URI served by a transport: its scheme is known, and the transport accepts the rest. */
    private void checkTransport(URI uri, String where) {
        dev.agate.spi.Transport transport = uri.getScheme() == null ? null : transports.get(uri.getScheme());
        if (transport == null) {
            List<String> known = new ArrayList<>(transports.keySet());
            known.add("local");
            throw new IllegalArgumentException("unknown endpoint scheme '" + uri.getScheme() + "' in " + uri + " (" + where
                    + "); known schemes: " + known.stream().sorted().toList()
                    + (transports.isEmpty() ? " (add agate-tcp to the class path for tcp://)" : ""));
        }
        try {
            transport.checkUri(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + uri + ", " + where + ")", e);
        }
    }

    private static URI defaultQueueOf(Class<?> messageClass) {
        try {
            return Router.defaultLocalQueue(messageClass);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the message type name '" + MessageTypes.nameOf(messageClass) + "' of "
                    + messageClass.getName() + " cannot name its default local queue: " + e.getMessage(), e);
        }
    }

    private static String localName(URI uri) {
        String name = uri.getSchemeSpecificPart();
        if (name.startsWith("//")) {
            name = name.substring(2);
        }
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    Endpoint endpoint(URI uri) {
        Endpoint known = endpointsByUri.get(uri.toString());
        return known != null ? known : openEndpoint(uri);
    }

    private Endpoint openEndpoint(URI uri) {
        checkEndpoint(uri, "endpoint");
        boolean local = "local".equals(uri.getScheme());
        String name = local ? localName(uri) : uri.toString();
        List<SendingAgent> evicted;
        Endpoint endpoint;
        synchronized (lifecycle) {
            if (state == State.CLOSED || stopping) {
                throw new AgateException("host '" + serviceName + "' is " + (stopping ? "stopping" : "closed") + "; cannot open " + uri);
            }
            evicted = local || endpoints.containsKey(name) ? List.of() : evictIdleSenders();
            endpoint = endpoints.computeIfAbsent(name, n -> local ? open(queueSettings(n)) : openSender(uri));
            endpointsByUri.put(uri.toString(), endpoint);
            knownQueues.add(endpoint.uri().toString());
        }
        for (SendingAgent idle : evicted) {
            idle.signalStop();
            idle.awaitStop(System.nanoTime() + STOP_WAIT.toNanos());
        }
        return endpoint;
    }

    /**
     * Before a new destination gets a sender: removes the senders this host opened on demand (a reply-to it
     * answered, say; not declared, not routed to) that have held nothing for the idle sender timeout, so that
     * answering many peers does not keep a thread and a connection for each of them for ever. Called under
     * {@code lifecycle}; the caller stops them after releasing it.
     */
    private List<SendingAgent> evictIdleSenders() {
        List<SendingAgent> idle = new ArrayList<>(0);
        for (Endpoint endpoint : endpoints.values()) {
            if (endpoint instanceof SendingAgent agent && !declaredSenders.containsKey(agent.uri().toString())
                    && !routedUris.contains(agent.uri().toString()) && agent.isIdleFor(idleSenderTimeout)) {
                idle.add(agent);
            }
        }
        for (SendingAgent agent : idle) {
            endpoints.values().remove(agent);
            endpointsByUri.values().removeIf(e -> e == agent);
            log.debug("closed the idle {}", agent);
        }
        return idle;
    }

    private Endpoint openSender(URI destination) {
        dev.agate.Sender declared = declaredSenders.get(destination.toString());
        EndpointMode mode = declared != null && declared.mode() != null ? declared.mode()
                : durableSenders ? EndpointMode.DURABLE : EndpointMode.BUFFERED;
        dev.agate.Sender settings = declared != null ? declared : dev.agate.Sender.defaults(destination, mode);
        if (mode == EndpointMode.DURABLE && durable == null) {
            throw new IllegalStateException("the sender to " + destination + " is durable but host '" + serviceName + "' has no message store");
        }
        SendingAgent agent = new SendingAgent(settings, transports.get(destination.getScheme()).sender(destination), this,
                mode == EndpointMode.DURABLE ? durable : null, work, sendTimeout, () -> this.agent.runSoon(outgoingRecovery));
        agent.start();
        log.debug("opened {}", agent);
        return agent;
    }

    private LocalQueue queueSettings(String name) {
        LocalQueue declared = declaredQueues.get(name);
        if (declared != null) {
            return declared;
        }
        for (ListenerReceiver listener : listeners) {
            if (listener.settings().queue().equals(name) && listener.settings().mode() != null) {
                return LocalQueue.builder(name).mode(listener.settings().mode()).build();
            }
        }
        return durableLocalQueues ? LocalQueue.builder(name).durable().build() : LocalQueue.named(name);
    }

    private Endpoint open(LocalQueue queue) {
        if (queue.mode() == EndpointMode.DURABLE && durable == null) {
            throw new IllegalStateException(queue.uri() + " is durable but host '" + serviceName + "' has no message store");
        }
        Endpoint endpoint = queue.mode() == EndpointMode.INLINE
                ? new InlineEndpoint(queue.uri(), executor, work)
                : new LocalQueueEndpoint(queue, executor, work, sendTimeout, queue.mode() == EndpointMode.DURABLE ? durable : null);
        endpoint.start();
        log.debug("opened {}", queue);
        return endpoint;
    }

    // ---- for the executor

    HandlerGraph handlers() {
        return handlers;
    }

    Observers observers() {
        return observers;
    }

    Clock clock() {
        return clock;
    }

    EnvelopeExecutor executor() {
        return executor;
    }

    Object messageOf(Envelope envelope) {
        if (envelope.message() != null) {
            return envelope.message();
        }
        Class<?> type = types.classFor(envelope.messageType())
                .orElseThrow(() -> new UnknownMessageTypeException(envelope.messageType()));
        return serializer.deserialize(envelope.body(), type);
    }
}
