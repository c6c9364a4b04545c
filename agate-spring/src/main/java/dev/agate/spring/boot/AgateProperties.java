package dev.agate.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Agate's settings under {@code agate.*}: what {@link AgateAutoConfiguration} builds the host from. Every
 * setting left out keeps Agate's own default (see {@code AgateHost.Builder}, {@code LocalQueue} and
 * {@code Durability}).
 */
@ConfigurationProperties("agate")
public class AgateProperties {

    /** The name written as the source of every envelope. Default: spring.application.name, else "agate". */
    private String serviceName;

    /**
     * Whether every local queue not declared otherwise is durable (kept in the message store until handled).
     * Default: true when Agate has a message store (on the application's DataSource, or agate.store.url), so
     * that what a transaction sends survives a crash; else false.
     */
    private Boolean durableLocalQueues;

    /** How long a send waits for room in a full local queue before it fails. Default 10s. */
    private Duration sendTimeout;

    /** How long closing the host waits for the work already accepted to finish. Default 30s. */
    private Duration shutdownTimeout;

    /**
     * Local queues by name (local://NAME), each with durable (default: agate.durable-local-queues),
     * parallelism (default: the number of processors, at least 2; for a durable queue 1 on SQLite, one more on PostgreSQL and MariaDB), sequential (default false) and capacity
     * (default 10000), as in agate.local-queues.billing.parallelism=4. Default: none declared.
     */
    private Map<String, LocalQueue> localQueues = new LinkedHashMap<>();

    /**
     * Routes: a message class's fully qualified name (or a package followed by ".*") to the endpoints its
     * messages go to. In a properties file, put the name in brackets:
     * agate.routes[com.example.OrderPlaced]=local://billing,local://audit. Default: none (a message with
     * a handler in this application goes to its local queue).
     */
    private Map<String, List<String>> routes = new LinkedHashMap<>();

    /**
     * Listeners: where other services send to this application, e.g. agate.listeners[0].uri=rabbitmq://queue/orders
     * or tcp://0.0.0.0:2201. Default: none.
     */
    private List<Listener> listeners = new java.util.ArrayList<>();

    /** The durability agent's settings. */
    private final Durability durability = new Durability();

    /** Where the message store is and how its schema is managed. */
    private final Store store = new Store();

    /** The rabbitmq:// transport, when dev.agate:agate-rabbitmq is on the class path. */
    private final RabbitMq rabbitmq = new RabbitMq();

    /** Metrics and traces, when dev.agate:agate-micrometer is on the class path. */
    private final Observability observability = new Observability();

    /** The operator's console in the browser, when dev.agate:agate-console is on the class path. */
    private final Console console = new Console();

    public String getServiceName() {
        return serviceName;
    }

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    /** The setting as given; null when left to the default (see the field). */
    public Boolean getDurableLocalQueues() {
        return durableLocalQueues;
    }

    public void setDurableLocalQueues(Boolean durableLocalQueues) {
        this.durableLocalQueues = durableLocalQueues;
    }

    public Duration getSendTimeout() {
        return sendTimeout;
    }

    public void setSendTimeout(Duration sendTimeout) {
        this.sendTimeout = sendTimeout;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public Map<String, LocalQueue> getLocalQueues() {
        return localQueues;
    }

    public void setLocalQueues(Map<String, LocalQueue> localQueues) {
        this.localQueues = localQueues;
    }

    public Map<String, List<String>> getRoutes() {
        return routes;
    }

    public void setRoutes(Map<String, List<String>> routes) {
        this.routes = routes;
    }

    public List<Listener> getListeners() {
        return listeners;
    }

    public void setListeners(List<Listener> listeners) {
        this.listeners = listeners;
    }

    public Durability getDurability() {
        return durability;
    }

    public Store getStore() {
        return store;
    }

    public RabbitMq getRabbitmq() {
        return rabbitmq;
    }

    public Observability getObservability() {
        return observability;
    }

    public Console getConsole() {
        return console;
    }

    /**
     * The operator's console (dev.agate:agate-console), mounted in the application's servlet container. Off by
     * default. It shows the messages of the store, payloads included: protect its path like any administrative
     * page (Spring Security); by default it serves only requests whose user the container authenticated.
     */
    public static class Console {
        /** Whether the console is mounted. Default: false. */
        private boolean enabled;

        /** The path it is mounted at. Default: /agate-console. */
        private String path = "/agate-console";

        /** Whether it may act: replay, delete, edit-and-replay, cancel, reschedule. Default: false (read only). */
        private boolean writable;

        /**
         * Who may use it: "container" (the user the servlet container authenticated, e.g. with Spring Security; others
         * get 401) or "none" (anyone who reaches the path; for a path protected in front of the application). Default:
         * container.
         */
        private String authentication = "container";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public boolean isWritable() {
            return writable;
        }

        public void setWritable(boolean writable) {
            this.writable = writable;
        }

        public String getAuthentication() {
            return authentication;
        }

        public void setAuthentication(String authentication) {
            this.authentication = authentication;
        }
    }

    /**
     * Metrics and traces (dev.agate:agate-micrometer): on by default when the application has a Micrometer
     * {@code MeterRegistry} (metrics) or Micrometer Tracing's {@code Tracer} and {@code Propagator} (traces).
     */
    public static class Observability {
        /** Whether Agate's meters are registered in the application's MeterRegistry. Default: true. */
        private boolean metrics = true;

        /**
         * Whether Agate stores each sender's trace context in its envelopes and reports send and process spans
         * through the application's ObservationRegistry. Default: true.
         */
        private boolean tracing = true;

        public boolean isMetrics() {
            return metrics;
        }

        public void setMetrics(boolean metrics) {
            this.metrics = metrics;
        }

        public boolean isTracing() {
            return tracing;
        }

        public void setTracing(boolean tracing) {
            this.tracing = tracing;
        }
    }

    /**
     * The {@code rabbitmq://} transport (dev.agate:agate-rabbitmq). Without any of these set, the transport
     * on the class path uses {@code AGATE_RABBITMQ_URL} and declares nothing; setting one without that
     * module fails the start.
     */
    public static class RabbitMq {
        /**
         * The broker: amqp://USER:PASSWORD@HOST:PORT/VHOST, or amqps:// for TLS. Default: the AGATE_RABBITMQ_URL
         * environment variable, else amqp://guest:guest@127.0.0.1:5672.
         */
        private String url;

        /**
         * Whether Agate declares the queues of its rabbitmq:// listeners and senders (durable classic queues,
         * quorum queues for those in quorum-queues) instead of only checking that they exist. Default false.
         */
        private boolean autoProvision;

        /** Queues declared as quorum queues when auto-provisioning. Default: none. */
        private List<String> quorumQueues = new java.util.ArrayList<>();

        /** Deliveries a listener hands over at once, persisted in one transaction. Default 100. */
        private Integer batchSize;

        /** Unacknowledged deliveries per listener. Default: twice the batch size. */
        private Integer prefetch;

        /**
         * Per queue name, the message type of a message that names none (a bare JSON body from another
         * producer). Default: none, and such a message is dead-lettered with that reason.
         */
        private Map<String, String> defaultMessageTypes = new LinkedHashMap<>();

        /**
         * Foreign type names (a Wolverine type name, a Spring AMQP __TypeId__ class name) to Agate message
         * types. Default: none; a __TypeId__ is then read as its simple class name.
         */
        private Map<String, String> typeMappings = new LinkedHashMap<>();

        /** True when any of these is set. */
        boolean isConfigured() {
            return url != null || autoProvision || !quorumQueues.isEmpty() || batchSize != null || prefetch != null
                    || !defaultMessageTypes.isEmpty() || !typeMappings.isEmpty();
        }

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public boolean isAutoProvision() {
            return autoProvision;
        }

        public void setAutoProvision(boolean autoProvision) {
            this.autoProvision = autoProvision;
        }

        public List<String> getQuorumQueues() {
            return quorumQueues;
        }

        public void setQuorumQueues(List<String> quorumQueues) {
            this.quorumQueues = quorumQueues;
        }

        public Integer getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(Integer batchSize) {
            this.batchSize = batchSize;
        }

        public Integer getPrefetch() {
            return prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Map<String, String> getDefaultMessageTypes() {
            return defaultMessageTypes;
        }

        public void setDefaultMessageTypes(Map<String, String> defaultMessageTypes) {
            this.defaultMessageTypes = defaultMessageTypes;
        }

        public Map<String, String> getTypeMappings() {
            return typeMappings;
        }

        public void setTypeMappings(Map<String, String> typeMappings) {
            this.typeMappings = typeMappings;
        }
    }

    /** One listener. */
    public static class Listener {
        /** Where it listens: rabbitmq://queue/NAME, tcp://0.0.0.0:PORT. Required. */
        private String uri;

        /** The local queue what arrives goes to. Default inbox. */
        private String queue;

        /**
         * Whether each batch is persisted before it is acknowledged (its queue durable unless declared
         * otherwise). Default: agate.durable-local-queues.
         */
        private Boolean durable;

        /** The address others reply to, when the listening URI is not reachable as written. Default: the listening URI. */
        private String replyUri;

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public String getQueue() {
            return queue;
        }

        public void setQueue(String queue) {
            this.queue = queue;
        }

        public Boolean getDurable() {
            return durable;
        }

        public void setDurable(Boolean durable) {
            this.durable = durable;
        }

        public String getReplyUri() {
            return replyUri;
        }

        public void setReplyUri(String replyUri) {
            this.replyUri = replyUri;
        }
    }

    /** One local queue. */
    public static class LocalQueue {
        /** Whether the queue keeps its envelopes in the message store until handled. Default: agate.durable-local-queues. */
        private Boolean durable;

        /** How many envelopes are handled at once. Default: the number of processors, at least 2; for a durable queue 1 on SQLite, one more on PostgreSQL and MariaDB. */
        private Integer parallelism;

        /** One worker, envelopes handled in the order they were sent. Default false. */
        private boolean sequential;

        /** How many envelopes may wait in memory. Default 10000. */
        private Integer capacity;

        public Boolean getDurable() {
            return durable;
        }

        public void setDurable(Boolean durable) {
            this.durable = durable;
        }

        public Integer getParallelism() {
            return parallelism;
        }

        public void setParallelism(Integer parallelism) {
            this.parallelism = parallelism;
        }

        public boolean isSequential() {
            return sequential;
        }

        public void setSequential(boolean sequential) {
            this.sequential = sequential;
        }

        public Integer getCapacity() {
            return capacity;
        }

        public void setCapacity(Integer capacity) {
            this.capacity = capacity;
        }
    }

    /** The durability agent: intervals of its jobs, how long handled envelopes are remembered, dead nodes. */
    public static class Durability {
        /**
         * The deduplication horizon: how long the id of a handled or dead-lettered envelope is remembered, so
         * that the envelope received again is not handled twice; one received older than this is dead-lettered.
         * Default 7d.
         */
        private Duration deduplicationHorizon;

        /** How often due scheduled envelopes are looked for. Default 1s. */
        private Duration scheduledPollingInterval;

        /** How often unowned incoming envelopes are claimed. Default 2s. */
        private Duration recoveryInterval;

        /** How often this node tells the store it is alive. Default 5s. */
        private Duration heartbeatInterval;

        /** How long a node may stay silent before it is declared dead; at least twice the heartbeat. Default 30s. */
        private Duration nodeTimeout;

        /** How often expired handled envelopes and dead letters are deleted. Default 1m. */
        private Duration cleanupInterval;

        /** How long dead letters are kept. Default: until purged. */
        private Duration deadLetterRetention;

        /**
         * How long the start keeps trying to reach the store before it fails. Default 10s in a Spring Boot
         * application, so that a wrong URL fails the start quickly with its cause (60s for a host built by hand).
         */
        private Duration storeStartTimeout;

        /** The most rows one job takes in one transaction. Default 500. */
        private Integer batchSize;

        /**
         * How many times handling one envelope may crash the process before the envelope goes to the dead
         * letters ("handling crashed the process N times"). Default 3.
         */
        private Integer maxHandlingCrashes;
        /**
         * At most how many envelopes one worker of a durable queue handles in one transaction (those ready at
         * once, within 20 ms); 1 turns batches off. Default 100.
         */
        private Integer handlingBatchSize;

        public Integer getHandlingBatchSize() {
            return handlingBatchSize;
        }

        public void setHandlingBatchSize(Integer handlingBatchSize) {
            this.handlingBatchSize = handlingBatchSize;
        }

        public Integer getMaxHandlingCrashes() {
            return maxHandlingCrashes;
        }

        public void setMaxHandlingCrashes(Integer maxHandlingCrashes) {
            this.maxHandlingCrashes = maxHandlingCrashes;
        }

        public Duration getDeduplicationHorizon() {
            return deduplicationHorizon;
        }

        public void setDeduplicationHorizon(Duration deduplicationHorizon) {
            this.deduplicationHorizon = deduplicationHorizon;
        }

        public Duration getScheduledPollingInterval() {
            return scheduledPollingInterval;
        }

        public void setScheduledPollingInterval(Duration scheduledPollingInterval) {
            this.scheduledPollingInterval = scheduledPollingInterval;
        }

        public Duration getRecoveryInterval() {
            return recoveryInterval;
        }

        public void setRecoveryInterval(Duration recoveryInterval) {
            this.recoveryInterval = recoveryInterval;
        }

        public Duration getHeartbeatInterval() {
            return heartbeatInterval;
        }

        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
        }

        public Duration getNodeTimeout() {
            return nodeTimeout;
        }

        public void setNodeTimeout(Duration nodeTimeout) {
            this.nodeTimeout = nodeTimeout;
        }

        public Duration getCleanupInterval() {
            return cleanupInterval;
        }

        public void setCleanupInterval(Duration cleanupInterval) {
            this.cleanupInterval = cleanupInterval;
        }

        public Duration getDeadLetterRetention() {
            return deadLetterRetention;
        }

        public void setDeadLetterRetention(Duration deadLetterRetention) {
            this.deadLetterRetention = deadLetterRetention;
        }

        public Duration getStoreStartTimeout() {
            return storeStartTimeout;
        }

        public void setStoreStartTimeout(Duration storeStartTimeout) {
            this.storeStartTimeout = storeStartTimeout;
        }

        public Integer getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(Integer batchSize) {
            this.batchSize = batchSize;
        }
    }

    /** The message store. */
    public static class Store {
        /**
         * The JDBC URL of a store with a pool of its own, apart from the application's DataSource. Its sends
         * cannot join the application's transactions. Default: the store goes on the application's DataSource.
         */
        private String url;

        /** The database schema (PostgreSQL) or database (MariaDB) of Agate's tables. Default: the connection's. */
        private String schema;

        /** The prefix of Agate's table names. Default agate_. */
        private String tablePrefix = "agate_";

        /** What starting does with Agate's tables: create-or-upgrade, validate (only check) or none. Default create-or-upgrade. */
        private SchemaMode schemaMode = SchemaMode.CREATE_OR_UPGRADE;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getSchema() {
            return schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }

        public String getTablePrefix() {
            return tablePrefix;
        }

        public void setTablePrefix(String tablePrefix) {
            this.tablePrefix = tablePrefix;
        }

        public SchemaMode getSchemaMode() {
            return schemaMode;
        }

        public void setSchemaMode(SchemaMode schemaMode) {
            this.schemaMode = schemaMode;
        }
    }

    /** {@code AgateSchema.Mode}, repeated here so that these properties do not need agate-jdbc. */
    public enum SchemaMode {
        /** Create missing tables and apply missing steps. */
        CREATE_OR_UPGRADE,
        /** Only check; fail the start when tables are missing or of another version. */
        VALIDATE,
        /** Neither create nor check: the tables are managed elsewhere (Flyway, Liquibase). */
        NONE
    }
}
