package dev.agate.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.agate.AgateException;
import dev.agate.rabbitmq.internal.ConnectionKeeper;
import dev.agate.rabbitmq.internal.EnvelopeMapper;
import dev.agate.rabbitmq.internal.RabbitAddress;
import dev.agate.rabbitmq.internal.RabbitListener;
import dev.agate.rabbitmq.internal.RabbitSender;
import dev.agate.rabbitmq.internal.Settings;
import dev.agate.rabbitmq.internal.Topology;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;

/**
 * The {@code rabbitmq://} transport on the official RabbitMQ Java client. Endpoints:
 * {@code rabbitmq://queue/NAME} (send to a queue through the default exchange; listen to it) and
 * {@code rabbitmq://exchange/NAME[?routing-key=K]} (send to an exchange). The broker is
 * {@code AGATE_RABBITMQ_URL} (an {@code amqp://} or {@code amqps://} URI with credentials and virtual
 * host), else {@value #DEFAULT_URL}, else what {@link Builder#uri} says.
 *
 * <p><b>Guarantees.</b> A sender publishes every message persistent and {@code mandatory}, in confirm
 * mode: a batch counts as delivered only when the broker confirmed all of it; a nack, a return
 * (unroutable), a missing confirm or a lost connection fails it, and the host keeps its outgoing rows and
 * sends it again. A listener acknowledges a delivery only after the host took it (for a durable listener:
 * after the inbox transaction committed), on the channel that delivered it; what the host cannot take is
 * held unacknowledged and offered again after a pause (never requeued: a quorum queue would count that
 * against its delivery limit). A message delivered twice (a redelivery, a resend) is handled once by a durable
 * listener, which recognizes the envelope id. A message that names no type Agate can resolve is persisted
 * and dead-lettered with that reason, never acknowledged unseen.
 *
 * <p><b>Failures.</b> Connections and channels that close (a broker restart, a forced close, a channel
 * error, a cancelled consumer) are opened again by the transport, with a growing pause, without limit;
 * {@link dev.agate.AgateHost#status()} shows a listener that is not consuming and why. The broker's
 * absence at start does not fail the start (listeners retry in the background after
 * {@link Builder#startTimeout}); a queue whose declaration the broker refuses (other arguments than
 * Agate's) or that does not exist without {@link Builder#autoProvision()} fails it, naming the queue and
 * the broker's reason.
 *
 * <p><b>Threads.</b> Two connections per transport (one for publishing, one for consuming, so that a
 * broker blocking publishers cannot hold back acknowledgements), one thread per listener, and the client's
 * own threads. Thread-safe. See docs/rabbitmq.md.
 */
public final class RabbitMqTransport implements Transport {
    /** The broker when neither {@code AGATE_RABBITMQ_URL} nor the builder names one. */
    public static final String DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672";

    private final Settings settings;
    private final ConnectionKeeper publishing;
    private final ConnectionKeeper consuming;
    private final EnvelopeMapper mapper;
    private final ScheduledExecutorService timer;
    /** Completes senders' stages and closes failed channels: never on the client's connection thread. */
    private final java.util.concurrent.ExecutorService work;
    private final String brokerDescription;
    private final Set<RabbitListener> listeners = ConcurrentHashMap.newKeySet();
    private final Set<RabbitSender> senders = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** The transport {@link java.util.ServiceLoader} finds: the broker of {@code AGATE_RABBITMQ_URL}, default settings. */
    public RabbitMqTransport() {
        this(builder());
    }

    private RabbitMqTransport(Builder b) {
        this.settings = new Settings(b.autoProvision, b.quorumQueues, b.queueArguments, b.prefetch, b.batchSize, b.confirmTimeout,
                b.startTimeout, b.defaultTypes, b.typeMappings);
        ConnectionFactory factory = b.factory();
        this.brokerDescription = (factory.isSSL() ? "amqps://" : "amqp://") + factory.getHost() + ":" + factory.getPort()
                + ("/".equals(factory.getVirtualHost()) ? "" : "/" + factory.getVirtualHost());
        this.publishing = new ConnectionKeeper(factory, b.connectionName + "-publish");
        this.consuming = new ConnectionKeeper(factory, b.connectionName + "-consume");
        this.mapper = new EnvelopeMapper(settings.defaultTypes(), settings.typeMappings());
        java.util.concurrent.ScheduledThreadPoolExecutor timing = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "agate-rabbitmq-timer");
            thread.setDaemon(true);
            return thread;
        });
        timing.setRemoveOnCancelPolicy(true); // a confirmed batch's timeout goes at once, not 30 s later
        this.timer = timing;
        java.util.concurrent.atomic.AtomicInteger workers = new java.util.concurrent.atomic.AtomicInteger();
        this.work = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "agate-rabbitmq-work-" + workers.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return "rabbitmq";
    }

    /** Accepts {@code rabbitmq://queue/NAME} and {@code rabbitmq://exchange/NAME[?routing-key=K]}. */
    @Override
    public void checkUri(URI uri) {
        RabbitAddress.parse(Objects.requireNonNull(uri, "uri"));
    }

    /**
     * Consumes the queue {@code uri} names, declaring it first when auto-provisioning. Returns once it
     * consumes, or after the start timeout when the broker cannot be reached (it goes on trying).
     *
     * @throws IllegalArgumentException for an exchange URI (listen to a queue bound to it)
     * @throws AgateException when the broker refuses the queue's declaration, or the queue does not exist
     */
    @Override
    public TransportListener listen(URI uri, BatchReceiver receiver) {
        RabbitAddress address = RabbitAddress.parse(uri);
        if (!address.isQueue()) {
            throw new IllegalArgumentException("a listener consumes a queue, rabbitmq://queue/NAME, not an exchange: " + uri);
        }
        checkOpen();
        Topology topology = new Topology(consuming, settings);
        RabbitListener listener = RabbitListener.start(address, Objects.requireNonNull(receiver, "receiver"), consuming, topology, mapper,
                settings, listeners::remove);
        listeners.add(listener);
        if (closed) { // close() ran while it started
            listener.close();
            checkOpen();
        }
        return listener;
    }

    /**
     * A sender to {@code destination}; it connects, and declares (or checks) its queue, on its first batch. A
     * refused declaration fails that batch with the broker's reason; the host retries and, in the end,
     * latches the sender.
     */
    @Override
    public TransportSender sender(URI destination) {
        RabbitAddress address = RabbitAddress.parse(destination);
        checkOpen();
        RabbitSender sender = new RabbitSender(address, publishing, new Topology(publishing, settings), mapper, settings, timer,
                work, senders::remove);
        senders.add(sender);
        return sender;
    }

    /** The broker it connects to, without credentials: {@code amqp://127.0.0.1:5672}. */
    public String broker() {
        return brokerDescription;
    }

    /** Closes every listener and sender it opened, then its connections. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List.copyOf(listeners).forEach(RabbitListener::close);
        List.copyOf(senders).forEach(RabbitSender::close);
        publishing.close();
        consuming.close();
        timer.shutdownNow();
        work.shutdown();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the RabbitMQ transport is closed");
        }
    }

    @Override
    public String toString() {
        return "RabbitMqTransport{" + brokerDescription + ", autoProvision=" + settings.autoProvision() + '}';
    }

    /** Builds a {@link RabbitMqTransport}; every setting has a default. Not thread-safe. */
    public static final class Builder {
        private String uri;
        private SSLContext sslContext;
        private String connectionName = "agate";
        private boolean autoProvision;
        private final Set<String> quorumQueues = new HashSet<>();
        private final Map<String, Map<String, Object>> queueArguments = new HashMap<>();
        private int prefetch = -1;
        private int batchSize = 100;
        private Duration confirmTimeout = Duration.ofSeconds(30);
        private Duration startTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private final Map<String, String> defaultTypes = new HashMap<>();
        private final Map<String, String> typeMappings = new HashMap<>();

        private Builder() {
        }

        /**
         * The broker: {@code amqp://USER:PASSWORD@HOST:PORT/VHOST} or {@code amqps://...}. Default:
         * {@code AGATE_RABBITMQ_URL}, else {@value #DEFAULT_URL}.
         */
        public Builder uri(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            return this;
        }

        /** The TLS context of an {@code amqps://} broker (default: the JVM's trust store, host name verified). */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** The prefix of its connections' names, as the broker's management shows them. Default "agate". */
        public Builder connectionName(String name) {
            this.connectionName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Declares the queues of its listeners and senders (durable classic queues, quorum where
         * {@link #quorumQueue} says) instead of only checking that they exist. Off by default: queues owned
         * by someone else are never declared.
         */
        public Builder autoProvision() {
            this.autoProvision = true;
            return this;
        }

        /** Declares {@code queue} as a quorum queue (with {@link #autoProvision()}). */
        public Builder quorumQueue(String queue) {
            this.quorumQueues.add(Objects.requireNonNull(queue, "queue"));
            return this;
        }

        /** An argument ({@code x-max-length}, say) {@code queue} is declared with (with {@link #autoProvision()}). */
        public Builder queueArgument(String queue, String name, Object value) {
            this.queueArguments.computeIfAbsent(Objects.requireNonNull(queue, "queue"), q -> new HashMap<>())
                    .put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Deliveries handed to the host at most at once, persisted in one transaction. Default 100. */
        public Builder batchSize(int size) {
            this.batchSize = size;
            return this;
        }

        /** Unacknowledged deliveries per listener. Default twice the batch size, so the next batch arrives while one is persisted. */
        public Builder prefetch(int count) {
            this.prefetch = count;
            return this;
        }

        /** How long a sender waits for the broker to confirm a batch before it fails it (and sends it again). Default 30 s. */
        public Builder confirmTimeout(Duration timeout) {
            this.confirmTimeout = timeout;
            return this;
        }

        /** How long listening waits for the broker at start before it goes on trying in the background. Default 10 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** The AMQP heartbeat: a broker or network that stops answering is noticed within about twice this. Default 10 s. */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = interval;
            return this;
        }

        /** How long opening a connection may take. Default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * The message type of what arrives on {@code queue} naming no type (no AMQP type, no
         * {@code message-type} header, no {@code __TypeId__}): a bare JSON body from a producer that does not
         * speak Agate's or Wolverine's headers.
         */
        public Builder defaultMessageType(String queue, String messageType) {
            this.defaultTypes.put(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(messageType, "messageType"));
            return this;
        }

        /**
         * Reads the foreign type name {@code foreign} (a Wolverine type name such as {@code MyApp.OrderPlaced},
         * or a Spring {@code __TypeId__} such as {@code com.acme.OrderPlaced}) as the message type
         * {@code messageType}. Without a mapping, a {@code __TypeId__} is read as its simple class name.
         */
        public Builder mapType(String foreign, String messageType) {
            this.typeMappings.put(Objects.requireNonNull(foreign, "foreign"), Objects.requireNonNull(messageType, "messageType"));
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is out of range, or what is wrong with the URI */
        public RabbitMqTransport build() {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1 but was " + batchSize);
            }
            if (prefetch == -1) {
                prefetch = Math.min(65_535, batchSize * 2);
            }
            if (prefetch < 1 || prefetch > 65_535) {
                throw new IllegalArgumentException("prefetch must be within 1..65535 but was " + prefetch);
            }
            positive(confirmTimeout, "confirmTimeout");
            positive(startTimeout, "startTimeout");
            positive(heartbeat, "heartbeat");
            positive(connectTimeout, "connectTimeout");
            factory(); // checks the URI now
            return new RabbitMqTransport(this);
        }

        private ConnectionFactory factory() {
            String url = uri != null ? uri : System.getenv().getOrDefault("AGATE_RABBITMQ_URL", DEFAULT_URL);
            ConnectionFactory factory = new ConnectionFactory();
            try {
                factory.setUri(url);
            } catch (Exception e) {
                throw new IllegalArgumentException("not a RabbitMQ broker URI (amqp://USER:PASSWORD@HOST:PORT/VHOST): "
                        + url.replaceAll("//[^@/]*@", "//***@") + ": " + e.getMessage(), e);
            }
            if (sslContext != null || factory.isSSL()) {
                // The client's own amqps:// default trusts every certificate; Agate's is the JVM's trust store.
                try {
                    factory.useSslProtocol(sslContext != null ? sslContext : SSLContext.getDefault());
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("this JVM has no default TLS context for amqps://", e);
                }
                factory.enableHostnameVerification();
            }
            // Agate rebuilds connections and channels itself (ConnectionKeeper): one path for every failure.
            factory.setAutomaticRecoveryEnabled(false);
            factory.setTopologyRecoveryEnabled(false);
            factory.setRequestedHeartbeat((int) Math.max(1, heartbeat.toSeconds()));
            factory.setConnectionTimeout((int) connectTimeout.toMillis());
            factory.setHandshakeTimeout((int) Math.max(connectTimeout.toMillis(), 10_000));
            return factory;
        }

        private static void positive(Duration timeout, String name) {
            Objects.requireNonNull(timeout, name);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + timeout);
            }
        }
    }
}
