package dev.agate.internal.execution;

import dev.agate.OutboxTransaction;
import java.sql.Connection;

/**
 * An outbox and the connection that code sending through it works on. For the block of
 * {@link dev.agate.AgateHost#inTransaction}, which commits through the outbox, the outbox writes what is sent at
 * the commit, and the connection ({@link BlockConnection}) writes it first when the block's code ends the
 * transaction itself; otherwise the connection is the application's own.
 */
public final class OutboxBlock {
    private final OutboxContext outbox;
    private final Connection connection;

    OutboxBlock(OutboxContext outbox, Connection connection) {
        this.outbox = outbox;
        this.connection = connection;
    }

    public OutboxTransaction outbox() {
        return outbox;
    }

    public Connection connection() {
        return connection;
    }

    /**
     * Commits as {@link OutboxTransaction#commit()} does, but runs {@code release} (which gives the connection back
     * to its pool) after the database's commit and before what was sent is handed on. The hand-over wakes the
     * workers of local queues, and a worker woken while the committing thread still holds the connection waits for
     * it (on SQLite, the pool's only one). {@code release} runs only when the commit worked, and must not throw; on
     * a failure the caller releases the connection itself, after the outbox's {@code close()}.
     */
    public void commitThen(Runnable release) {
        outbox.commit(release);
    }
}
