package dev.agate.internal.execution;

import dev.agate.OutboxTransaction;
import java.sql.Connection;

/**
 * An outbox and the connection that code sending through it works on. For the block of
 * {@link dev.agate.AgateHost#inTransaction}, which commits through the outbox, the outbox writes what is sent at
 * the commit, and the connection ({@link BlockConnection}) writes it first when the block's code ends the
 * transaction itself; otherwise the connection is the application's own.
 */
public record OutboxBlock(OutboxTransaction outbox, Connection connection) {
}
