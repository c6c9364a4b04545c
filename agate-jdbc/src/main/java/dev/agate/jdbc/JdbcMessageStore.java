package dev.agate.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agate.AgateException;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.Inbox;
import dev.agate.spi.MessageStore;
import dev.agate.spi.NodeRegistry;
import dev.agate.spi.Outbox;
import dev.agate.spi.ScheduledStore;
import dev.agate.spi.StoreAdmin;
import dev.agate.spi.StoreSetupException;
import dev.agate.spi.StoreTransaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The message store on SQLite, PostgreSQL or MariaDB/MySQL: Agate's tables (see {@link AgateSchema})
 * on the application's own database, so one transaction spans the application's writes and Agate's.
 *
 * <p><b>Connections.</b> Built from a JDBC URL, the store keeps its own HikariCP pool: for SQLite one
 * connection (SQLite has one writer at a time; waiting for the pool is fairer and cheaper than spinning
 * on the file lock), in WAL mode with a busy timeout; for the servers {@link Builder#maximumPoolSize}
 * connections. Built from a {@link DataSource} (the application's pool), it uses that and closes nothing.
 * The drivers for PostgreSQL and MariaDB are the application's to add.
 *
 * <p><b>Start.</b> {@link #start()} reaches the database and creates, upgrades or checks the schema as
 * {@link Builder#schemaMode} says. It fails with an {@link AgateException} naming the database when that
 * cannot be done; the host retries it with backoff. Thread-safe after start.
 */
public final class JdbcMessageStore implements MessageStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcMessageStore.class);

    private final Dialect dialect;
    private final SchemaNames names;
    private final AgateSchema.Mode schemaMode;
    private final DataSource dataSource;
    private final HikariDataSource ownPool;
    private final Path sqliteFile;
    private final String description;
    private final Jdbc jdbc;
    private final JdbcInbox inbox;
    private final JdbcOutbox outbox;
    private final JdbcDeadLetters deadLetters;
    private final JdbcScheduled scheduled;
    private final JdbcNodes nodes;
    private final JdbcStoreAdmin admin;
    /** The database (catalog) the store's connections are on, read at start; an outbox's connection must be on it too. */
    private volatile String catalog;
    /**
     * The last connection URL {@link #enlist} found to be the store's database: the check parses the URL (and on
     * SQLite resolves the file's path), which every application transaction would otherwise pay again.
     */
    private volatile String enlistedUrl;

    private JdbcMessageStore(Builder builder) {
        this.names = builder.names;
        this.schemaMode = builder.schemaMode;
        this.dialect = Dialect.forUrl(builder.jdbcUrl);
        this.sqliteFile = dialect == Dialect.SQLITE ? sqlitePath(builder.jdbcUrl) : null;
        // Only the store's own connections are named: an application's pool is the application's.
        String sessionTag = builder.dataSource == null && dialect == Dialect.POSTGRES
                ? "agate-" + java.util.UUID.randomUUID().toString().substring(0, 13) : null;
        this.ownPool = builder.dataSource == null ? pool(builder, dialect, sessionTag) : null;
        this.dataSource = builder.dataSource != null ? builder.dataSource : ownPool;
        this.description = describe(dialect, builder.jdbcUrl, sqliteFile);
        this.jdbc = new Jdbc(dataSource, dialect, names, description, sessionTag);
        this.inbox = new JdbcInbox(jdbc);
        this.outbox = new JdbcOutbox(jdbc);
        JdbcAudit audit = new JdbcAudit(jdbc);
        this.deadLetters = new JdbcDeadLetters(jdbc, audit);
        this.scheduled = new JdbcScheduled(jdbc, audit);
        this.nodes = new JdbcNodes(jdbc, inbox, outbox);
        this.admin = new JdbcStoreAdmin(jdbc, nodes, audit);
    }

    /**
     * A store with a pool of its own on the database at {@code jdbcUrl}: {@code jdbc:sqlite:FILE},
     * {@code jdbc:postgresql://...} or {@code jdbc:mariadb://...} ({@code jdbc:mysql://...}).
     *
     * @throws IllegalArgumentException for another kind of URL
     */
    public static Builder builder(String jdbcUrl) {
        return new Builder(Objects.requireNonNull(jdbcUrl, "jdbcUrl"), null);
    }

    /**
     * A store on the application's own pool. {@code jdbcUrl} says which database it is (the dialect, and
     * for SQLite the file); the store never opens connections from it.
     */
    public static Builder builder(DataSource dataSource, String jdbcUrl) {
        return new Builder(Objects.requireNonNull(jdbcUrl, "jdbcUrl"), Objects.requireNonNull(dataSource, "dataSource"));
    }

    /** Settings of a {@link JdbcMessageStore}. */
    public static final class Builder {
        private final String jdbcUrl;
        private final DataSource dataSource;
        private SchemaNames names = SchemaNames.defaults();
        private AgateSchema.Mode schemaMode = AgateSchema.Mode.CREATE_OR_UPGRADE;
        private int maximumPoolSize = 10;
        private Duration connectionTimeout = Duration.ofSeconds(10);

        private Builder(String jdbcUrl, DataSource dataSource) {
            Dialect.forUrl(jdbcUrl); // fail now on a URL no dialect handles
            this.jdbcUrl = jdbcUrl;
            this.dataSource = dataSource;
        }

        /** The schema and table prefix (default: the connection's schema, prefix {@code agate_}). */
        public Builder schemaNames(SchemaNames names) {
            this.names = Objects.requireNonNull(names, "names");
            return this;
        }

        /** What {@link #start()} does with the schema (default: create or upgrade it). */
        public Builder schemaMode(AgateSchema.Mode mode) {
            this.schemaMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The size of the store's own pool on PostgreSQL and MariaDB (default 10); SQLite always has one. */
        public Builder maximumPoolSize(int size) {
            if (size < 2) {
                throw new IllegalArgumentException("maximumPoolSize must be at least 2 (a handler's transaction and the agent), not " + size);
            }
            this.maximumPoolSize = size;
            return this;
        }

        /** How long to wait for a connection before failing (default 10 s). */
        public Builder connectionTimeout(Duration timeout) {
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be at least 250 ms, not " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        public JdbcMessageStore build() {
            return new JdbcMessageStore(this);
        }
    }

    /** How long MariaDB lets one of the store's own connections sit idle inside a transaction. */
    static final int MARIADB_IDLE_TRANSACTION_SECONDS = 4;

    private static HikariDataSource pool(Builder builder, Dialect dialect, String sessionTag) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("agate-" + dialect.name());
        config.setConnectionTimeout(builder.connectionTimeout.toMillis());
        // Do not connect here: start() does, and reports an unreachable database in its own words.
        config.setInitializationFailTimeout(-1);
        config.setAutoCommit(true);
        if (dialect == Dialect.SQLITE) {
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setBusyTimeout(10_000);
            // Take the write lock when a transaction begins, not at its first write: no deadlock between readers turning writers.
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            SQLiteDataSource sqliteSource = new SQLiteDataSource(sqlite);
            sqliteSource.setUrl(builder.jdbcUrl);
            config.setDataSource(sqliteSource);
            config.setMaximumPoolSize(1);
        } else {
            config.setJdbcUrl(builder.jdbcUrl);
            config.setMaximumPoolSize(builder.maximumPoolSize);
            config.setMinimumIdle(1);
            if (sessionTag != null) {
                config.addDataSourceProperty("ApplicationName", sessionTag);
            }
            if (dialect == Dialect.MARIADB) {
                // The server rolls back a transaction left idle this long, and its locks go with it: a node frozen
                // or cut off in the middle of one cannot keep its rows from the others for longer.
                config.setConnectionInitSql("SET SESSION idle_transaction_timeout = " + MARIADB_IDLE_TRANSACTION_SECONDS);
            }
        }
        return new HikariDataSource(config);
    }

    static Path sqlitePath(String jdbcUrl) {
        String rest = jdbcUrl.substring("jdbc:sqlite:".length());
        int query = rest.indexOf('?');
        rest = query < 0 ? rest : rest.substring(0, query);
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        }
        if (rest.isEmpty() || rest.contains(":memory:") || rest.contains("mode=memory")) {
            throw new IllegalArgumentException("an in-memory SQLite database (" + jdbcUrl + ") cannot hold durable envelopes:"
                    + " it is gone with the process; give a file, as in jdbc:sqlite:/var/lib/app/agate.db");
        }
        return Path.of(rest).toAbsolutePath();
    }

    private static String describe(Dialect dialect, String jdbcUrl, Path sqliteFile) {
        if (sqliteFile != null) {
            return "SQLite file " + sqliteFile;
        }
        // Drop the query string: it may carry a password.
        int query = jdbcUrl.indexOf('?');
        String where = (query < 0 ? jdbcUrl : jdbcUrl.substring(0, query)).replaceFirst("^jdbc:[a-z]+://", "");
        return (dialect == Dialect.POSTGRES ? "PostgreSQL " : "MariaDB ") + where;
    }

    @Override
    public String description() {
        return description;
    }


    @Override
    public void start() {
        if (sqliteFile != null) {
            prepareSqliteFile();
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.isValid(5);
            catalog = connection.getCatalog();
        } catch (SQLException e) {
            if (refusedForGood(e)) {
                throw new StoreSetupException(e.getMessage() + " (the message store, " + description + ", refuses the login)", e);
            }
            throw new AgateException("cannot reach the message store, " + description + ": " + e.getMessage(), e);
        }
        AgateSchema.of(dialect, names).ensure(dataSource, schemaMode);
        log.info("message store ready: {} (tables {}*)", description, names.prefix());
    }

    /**
     * Whether a connection failure is one no retry fixes: a refused login (SQL state class 28, MariaDB's
     * 1045). A database or schema that is missing is not: it may be being created (a container's first
     * start, a migration running beside this process), so the host retries it until its start timeout.
     */
    static boolean refusedForGood(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && (sql.getSQLState() != null && sql.getSQLState().startsWith("28") || sql.getErrorCode() == 1045)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Creates the file's directory, and switches the file to WAL once, here: the journal mode is kept in
     * the file, and processes that switch it at the same moment fail with SQLITE_BUSY whatever the busy
     * timeout, so it must not be done by every connection as it opens.
     */
    private void prepareSqliteFile() {
        if (schemaMode == AgateSchema.Mode.VALIDATE && !Files.exists(sqliteFile)) {
            // Only checking: do not leave an empty database behind a mistyped path.
            throw new AgateException("no SQLite database at " + sqliteFile + ": create it with `agate schema apply --db jdbc:sqlite:"
                    + sqliteFile + "`, or start the host with schema mode CREATE_OR_UPGRADE");
        }
        try {
            Files.createDirectories(sqliteFile.getParent());
        } catch (java.io.IOException e) {
            throw new AgateException("cannot create the directory of " + description + ": " + e, e);
        }
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (int attempt = 1; ; attempt++) {
                try (var result = statement.executeQuery("PRAGMA journal_mode = WAL")) {
                    if (result.next() && "wal".equalsIgnoreCase(result.getString(1))) {
                        return;
                    }
                } catch (SQLException busy) {
                    if (attempt >= 50) {
                        throw busy;
                    }
                }
                Thread.sleep(100);
            }
        } catch (SQLException e) {
            throw new AgateException("cannot open " + description + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgateException("interrupted while opening " + description, e);
        }
    }

    @Override
    public Inbox inbox() {
        return inbox;
    }

    @Override
    public Outbox outbox() {
        return outbox;
    }

    @Override
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    @Override
    public ScheduledStore scheduled() {
        return scheduled;
    }

    /** The database's current time, which the nodes' leases are timed by. */
    public java.time.Instant databaseTime() {
        return jdbc.inTransaction("reading the database's time", jdbc::databaseTime);
    }

    @Override
    public NodeRegistry nodes() {
        return nodes;
    }

    @Override
    public StoreAdmin admin() {
        return admin;
    }

    /** True on SQLite: a writing transaction holds the whole database's write lock, whatever the pool. */
    @Override
    public boolean singleWriter() {
        return dialect == Dialect.SQLITE;
    }

    /** The same object as the store's {@code DataSource} (a wrapper of it is not taken for it). */
    @Override
    public boolean sharesConnections(DataSource other) {
        return other == dataSource;
    }

    /**
     * SQLite: 1 (one writer at a time: a second worker only waits for the write lock, and one worker's batches
     * are larger). PostgreSQL and MariaDB: one more than the queue's default, so that while workers wait on their
     * commits and their handlers' statements another keeps the handling ahead of the senders. On 2 cores three
     * workers kept the rate of two and cut the closed loop's p99 by half or more; four cost about a tenth of the
     * rate (benchmarks/README.md).
     */
    @Override
    public int durableQueueWorkers(int queueDefault) {
        return dialect == Dialect.SQLITE ? 1 : queueDefault + 1;
    }

    @Override
    public StoreTransaction begin() {
        return JdbcTransaction.begin(jdbc);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The check of the database is by kind (from the connection's URL) and then by file (SQLite) or by
     * database name (the connection's catalog, against the store's): two servers of one kind, or two
     * schemas of one database, are not told apart, so give the outbox a connection to the store's database.
     */
    @Override
    public StoreTransaction enlist(Connection connection) {
        String url;
        String connectionCatalog;
        try {
            if (connection.getAutoCommit()) {
                throw new IllegalArgumentException("the connection is in auto-commit mode, so every statement commits on its own"
                        + " and the messages could not share the application's transaction: call setAutoCommit(false) first");
            }
            url = connection.getMetaData().getURL();
            connectionCatalog = sqliteFile == null && catalog != null ? connection.getCatalog() : null;
        } catch (SQLException e) {
            throw jdbc.failure("joining the application's transaction", e);
        }
        if (url == null) {
            throw new IllegalArgumentException("the connection's driver does not tell its URL (getMetaData().getURL() is null),"
                    + " so the outbox cannot check that it writes on the store's database, " + description);
        }
        if (!url.equals(enlistedUrl)) {
            checkSameDatabase(url);
            enlistedUrl = url;
        }
        if (connectionCatalog != null && !connectionCatalog.equals(catalog)) {
            throw new IllegalArgumentException("the connection is to database '" + connectionCatalog + "' but the message store's"
                    + " is '" + catalog + "' (" + description + "): the outbox must write on the store's database, where the"
                    + " durability agent looks");
        }
        return JdbcTransaction.enlist(connection, jdbc);
    }

    private void checkSameDatabase(String url) {
        boolean same;
        try {
            same = Dialect.forUrl(url) == dialect
                    && (sqliteFile == null || sqlitePath(url).normalize().equals(sqliteFile.normalize()));
        } catch (IllegalArgumentException e) {
            same = false;
        }
        if (!same) {
            throw new IllegalArgumentException("the connection is to " + describe(url) + " but the message store is "
                    + description + ": the outbox must write on the store's database, where the durability agent looks");
        }
    }

    private static String describe(String url) {
        try {
            Dialect dialect = Dialect.forUrl(url);
            return describe(dialect, url, dialect == Dialect.SQLITE ? sqlitePath(url) : null);
        } catch (IllegalArgumentException e) {
            int query = url.indexOf('?');
            return query < 0 ? url : url.substring(0, query);
        }
    }

    /** The connections this store uses: its own pool, or the one it was given. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The schema of this store's tables, to print, rebuild or check them. */
    public AgateSchema schema() {
        return AgateSchema.of(dialect, names);
    }

    @Override
    public void close() {
        nodes.close();
        if (ownPool != null) {
            ownPool.close();
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
