package dev.agate.internal.bus;

import dev.agate.AgateException;
import dev.agate.EndpointMode;
import dev.agate.HostStatus;
import dev.agate.LocalQueue;
import dev.agate.Sender;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.endpoint.EnvelopeHandler;
import dev.agate.internal.endpoint.WorkTracker;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.transport.SenderServices;
import dev.agate.internal.transport.SendingAgent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of a host, by name: its local queues and its senders to other services, each opened on
 * first use (or at start, for declared queues) and kept until the host closes; a sender opened on demand
 * that has held nothing for the idle sender timeout is closed when another destination needs one.
 *
 * <p>Lock: {@code lock} guards opening against {@link #stopOpening()}, so no endpoint opens after close()
 * took its snapshot of them. The maps are concurrent: a send looks its endpoint up without the lock.
 * The handler of local queues and the wake-up of outgoing recovery are connected once, before the host
 * starts ({@link #connect}): they are built from the endpoints themselves.
 */
public final class Endpoints {
    private static final Logger log = LoggerFactory.getLogger(Endpoints.class);
    /** How long closing an idle sender may wait for its thread. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /**
     * What the configuration says about endpoints.
     *
     * @param listenerQueueModes the mode a listener gives its queue, by queue name, where it sets one
     * @param routedUris the URIs routing rules name: their senders are kept open
     * @param knownQueues "local://name" of the queues this host declared, handles or routes to: it recovers their envelopes
     */
    public record Settings(Map<String, LocalQueue> queues, Map<String, Sender> senders, Map<String, EndpointMode> listenerQueueModes,
                    Set<String> routedUris, Set<String> knownQueues, boolean durableLocalQueues, boolean durableSenders,
                    Duration idleSenderTimeout, Duration unreachableSenderTimeout, Duration sendTimeout) {
    }

    private final String serviceName;
    private final Settings settings;
    private final Transports transports;
    /** Null for a host without a store. */
    private final DurableStorage storage;
    private final WorkTracker work;
    private final SenderServices senderServices;
    private final Map<String, Endpoint> byName = new ConcurrentHashMap<>();
    /**
     * The same endpoints by the URI strings used to reach them, so a send skips parsing and validation.
     * Strings, not URIs: URI.equals ignores the case of the host part, and queue names are case-sensitive.
     */
    private final Map<String, Endpoint> byUri = new ConcurrentHashMap<>();
    /** Destinations whose on-demand sender gave up, with when recovery may try them again (System.nanoTime). */
    private final Map<String, Long> parked = new ConcurrentHashMap<>();
    /** The configured known queues, and every queue opened since. */
    private final Set<String> knownQueues = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private boolean stopped;
    private volatile EnvelopeHandler handler;
    private volatile Runnable wakeOutgoingRecovery = () -> { };

    public Endpoints(String serviceName, Settings settings, Transports transports, DurableStorage storage, WorkTracker work,
              SenderServices senderServices) {
        this.serviceName = serviceName;
        this.settings = settings;
        this.transports = transports;
        this.storage = storage;
        this.work = work;
        this.senderServices = senderServices;
        this.knownQueues.addAll(settings.knownQueues());
    }

    /** Connects what local queues run and what a durable sender wakes when it resumes; once, before the host starts. */
    public void connect(EnvelopeHandler handler, Runnable wakeOutgoingRecovery) {
        this.handler = handler;
        this.wakeOutgoingRecovery = wakeOutgoingRecovery;
    }

    /**
     * The endpoint of {@code uri}, opened if need be.
     *
     * @throws IllegalArgumentException for a URI no endpoint can serve
     * @throws AgateException when the host is closing
     */
    public Endpoint endpoint(URI uri) {
        Endpoint known = byUri.get(uri.toString());
        return known != null ? known : open(uri);
    }

    /** The endpoint of {@code uri} if it is open, else null. */
    public Endpoint opened(URI uri) {
        return byUri.get(uri.toString());
    }

    /** Whether this host can send to {@code uri} through a transport. */
    public boolean canSendTo(URI uri) {
        return transports.serves(uri);
    }

    /**
     * Whether this host takes stored envelopes for {@code uri}: a queue it declared, handles, routes to or
     * has opened, or any local queue that its settings make durable (one opened on first use before a
     * restart, say). Not another service's queue, when services share a store.
     */
    public boolean takesFromStore(URI uri) {
        if (knownQueues.contains(uri.toString())) {
            return true;
        }
        if (!"local".equals(uri.getScheme())) {
            return transports.serves(uri); // any node that has the transport can send it
        }
        try {
            check(uri, "stored envelope");
            return queueSettings(localName(uri)).mode() == EndpointMode.DURABLE;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Checks that an endpoint can serve {@code uri}: a valid local queue name, or a scheme a transport serves.
     *
     * @param where what names the URI, for the message
     * @throws IllegalArgumentException naming the URI and {@code where}
     */
    public void check(URI uri, String where) {
        check(transports, uri, where);
    }

    /** {@link #check(URI, String)} before the endpoints exist: while the host checks its configuration. */
    public static void check(Transports transports, URI uri, String where) {
        if (!"local".equals(uri.getScheme())) {
            transports.check(uri, where);
            return;
        }
        try {
            LocalQueue.builder(localName(uri));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + uri + ", " + where + ")", e);
        }
    }

    /** The queue name of a {@code local://name} URI. */
    public static String localName(URI uri) {
        String name = uri.getSchemeSpecificPart();
        if (name.startsWith("//")) {
            name = name.substring(2);
        }
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * An on-demand sender whose destination stayed unreachable past the unreachable sender timeout closed
     * itself: it is forgotten (its thread and memory go), and its destination is parked for as long again,
     * so that recovery does not open a sender for the rows it left unowned in the outbox at once. A send to
     * the destination opens a new sender at any time; after the parking, recovery tries it again.
     */
    private void abandoned(SendingAgent agent) {
        synchronized (lock) {
            byName.values().remove(agent);
            byUri.values().removeIf(e -> e == agent);
            parked.put(agent.uri().toString(), System.nanoTime() + settings.unreachableSenderTimeout().toNanos());
        }
        log.warn("closed the sender to {}: unreachable for over {}; rows it held wait, unowned, in the outbox, and recovery tries"
                + " the destination again in {}", agent.uri(), settings.unreachableSenderTimeout(), settings.unreachableSenderTimeout());
    }

    /** Whether {@code destination} is parked after its sender gave up on it (see {@link #abandoned}); forgets it once the time is up. */
    public boolean isParked(URI destination) {
        if (parked.isEmpty()) {
            return false;
        }
        synchronized (lock) {
            Long until = parked.get(destination.toString());
            if (until == null) {
                return false;
            }
            if (System.nanoTime() - until >= 0) {
                parked.remove(destination.toString());
                return false;
            }
            return true;
        }
    }

    /** Drops, unhandled, the stored envelopes the open endpoints hold in memory: see {@link Endpoint#dropStored()}. */
    public int dropStored() {
        return byName.values().stream().mapToInt(Endpoint::dropStored).sum();
    }

    /** The names of the open endpoints, for the log. */
    public Set<String> names() {
        return new TreeSet<>(byName.keySet());
    }

    /** See {@link dev.agate.AgateHost#status()}. */
    public List<HostStatus.EndpointStatus> status() {
        return byName.values().stream()
                .map(e -> new HostStatus.EndpointStatus(e.uri(), e.mode(), e instanceof SendingAgent s && s.isLatched(), e.waitingInStore(),
                        e.overflowed()))
                .sorted(Comparator.comparing(e -> e.uri().toString())).toList();
    }

    /** No endpoint opens from now on; returns the open ones, to be stopped by the caller. Atomic with opening. */
    public List<Endpoint> stopOpening() {
        synchronized (lock) {
            stopped = true;
            return List.copyOf(byName.values());
        }
    }

    private Endpoint open(URI uri) {
        check(uri, "endpoint");
        boolean local = "local".equals(uri.getScheme());
        String name = local ? localName(uri) : uri.toString();
        List<SendingAgent> evicted;
        Endpoint endpoint;
        synchronized (lock) {
            if (stopped) {
                throw new AgateException("host '" + serviceName + "' is closing; cannot open " + uri);
            }
            evicted = local || byName.containsKey(name) ? List.of() : evictIdleSenders();
            if (!local) {
                parked.remove(uri.toString()); // a send to it: try it again now
            }
            endpoint = byName.computeIfAbsent(name, n -> local ? openQueue(queueSettings(n)) : openSender(uri));
            byUri.put(uri.toString(), endpoint);
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
     * {@code lock}; the caller stops them after releasing it.
     */
    private List<SendingAgent> evictIdleSenders() {
        List<SendingAgent> idle = new ArrayList<>(0);
        for (Endpoint endpoint : byName.values()) {
            if (endpoint instanceof SendingAgent agent && !settings.senders().containsKey(agent.uri().toString())
                    && !settings.routedUris().contains(agent.uri().toString()) && agent.isIdleFor(settings.idleSenderTimeout())) {
                idle.add(agent);
            }
        }
        for (SendingAgent agent : idle) {
            byName.values().remove(agent);
            byUri.values().removeIf(e -> e == agent);
            log.debug("closed the idle {}", agent);
        }
        return idle;
    }

    private Endpoint openSender(URI destination) {
        Sender declared = settings.senders().get(destination.toString());
        EndpointMode mode = declared != null && declared.mode() != null ? declared.mode()
                : settings.durableSenders() ? EndpointMode.DURABLE : EndpointMode.BUFFERED;
        Sender sender = declared != null ? declared : Sender.defaults(destination, mode);
        if (mode == EndpointMode.DURABLE && storage == null) {
            throw new IllegalStateException("the sender to " + destination + " is durable but host '" + serviceName + "' has no message store");
        }
        boolean onDemand = declared == null && !settings.routedUris().contains(destination.toString());
        SendingAgent agent = new SendingAgent(sender, transports.of(destination).sender(destination),
                mode == EndpointMode.DURABLE ? storage : null, senderServices, () -> wakeOutgoingRecovery.run(),
                onDemand ? settings.unreachableSenderTimeout() : null, this::abandoned);
        agent.start();
        log.debug("opened {}", agent);
        return agent;
    }

    private LocalQueue queueSettings(String name) {
        LocalQueue declared = settings.queues().get(name);
        if (declared != null) {
            return declared;
        }
        EndpointMode listenerMode = settings.listenerQueueModes().get(name);
        if (listenerMode != null) {
            return LocalQueue.builder(name).mode(listenerMode).build();
        }
        return settings.durableLocalQueues() ? LocalQueue.builder(name).durable().build() : LocalQueue.named(name);
    }

    /**
     * The queue's parallelism; for a durable queue whose parallelism was not set, what its store says
     * ({@link dev.agate.spi.MessageStore#durableQueueWorkers}): one on SQLite, where a second worker would only
     * wait for the write lock, one more than the default on PostgreSQL and MariaDB.
     */
    private int workers(LocalQueue queue) {
        boolean storeDecides = queue.mode() == EndpointMode.DURABLE && !queue.parallelismSet();
        return storeDecides ? Math.max(1, storage.store().durableQueueWorkers(queue.maximumParallelism())) : queue.maximumParallelism();
    }

    private Endpoint openQueue(LocalQueue queue) {
        if (queue.mode() == EndpointMode.DURABLE && storage == null) {
            throw new IllegalStateException(queue.uri() + " is durable but host '" + serviceName + "' has no message store");
        }
        int workers = workers(queue);
        Endpoint endpoint = Endpoint.localQueue(queue, workers, handler, work, settings.sendTimeout(),
                queue.mode() == EndpointMode.DURABLE ? storage : null);
        endpoint.start();
        log.debug("opened {} with {} worker(s)", queue, workers);
        return endpoint;
    }
}
