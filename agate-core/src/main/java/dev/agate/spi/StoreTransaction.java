package dev.agate.spi;

import java.sql.Connection;
import java.util.Optional;

/**
 * One open transaction of a {@link MessageStore}: what a durable handler's changes, the mark that its
 * envelope was handled, and its cascades are written in, so they commit or roll back together. Used by
 * one thread at a time.
 */
public interface StoreTransaction {

    /** The JDBC connection of the transaction, for stores on a relational database; empty otherwise. */
    Optional<Connection> connection();
}
