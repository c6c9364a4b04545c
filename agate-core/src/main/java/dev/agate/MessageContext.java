package dev.agate;

/**
 * The unit of work around the handling of one envelope, passed to a handler that declares a
 * parameter of this type.
 *
 * <p>Messages sent through the context (or returned by the handler) are held until all handlers of the
 * envelope have succeeded and are then delivered together; if any handler throws, they are dropped and
 * the error policies decide what happens to the envelope. A context is used only by the thread that
 * runs the handler and is not valid after the handler returns.
 */
public interface MessageContext extends MessageBus {

    /** The envelope being handled. */
    Envelope envelope();
}
