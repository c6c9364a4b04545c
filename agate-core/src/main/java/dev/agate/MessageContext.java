package dev.agate;

/**
 * The unit of work around the handling of one envelope, passed to a handler that declares a
 * parameter of this type.
 *
 * <p>Messages sent through the context (or returned by the handler) are held until all handlers of the
 * envelope have succeeded and are then delivered together; if any handler throws, they are dropped and
 * the error policies decide what happens to the envelope. A context is used only by the thread that
 * runs the handler and is not valid after the handler returns.
 *
 * <p>A handler may declare a {@link java.sql.Connection} parameter instead of calling {@link #connection()}.
 */
public interface MessageContext extends MessageBus {

    /** The envelope being handled. */
    Envelope envelope();

    /**
     * The JDBC connection of this unit of work's transaction in the host's message store, opened on the
     * first call. What the handler writes on it commits together with what it sends and, for an envelope
     * from a durable endpoint, with the mark that the envelope was handled; if the handler throws, all of
     * it rolls back. So a handler that keeps its effects in this database has them exactly once, even when
     * the envelope is delivered twice. Do not commit, roll back or close the connection.
     *
     * @throws IllegalStateException when the host has no message store, or its store is not on JDBC
     * @throws dev.agate.AgateException when the store cannot be reached; the envelope is tried again later
     *         and the attempt does not count
     */
    java.sql.Connection connection();

    /**
     * This unit of work's transaction seen as {@code type}, opened on the first call like
     * {@link #connection()}: a {@link java.sql.Connection} on a JDBC store, or what the store's
     * {@link dev.agate.spi.MessageStore#transactionResources()} names (a JPA {@code EntityManager}, say). A
     * handler may also declare a parameter of such a type and be given it. The same rules as for
     * {@link #connection()} hold: do not commit, roll back or close it.
     *
     * @throws IllegalStateException when the host has no message store, or its transaction has no such view
     */
    <T> T resource(Class<T> type);

    /**
     * Sends {@code message} back to whoever sent the envelope being handled: to its
     * {@link Envelope#replyTo() reply-to} address, which a host that listens sets on what it sends to other
     * services. Held, like every send, until the handlers succeed.
     *
     * @throws IllegalStateException when the envelope has no reply-to address
     */
    void respond(Object message);
}
