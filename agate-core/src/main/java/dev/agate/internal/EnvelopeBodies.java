package dev.agate.internal;

import dev.agate.Envelope;
import dev.agate.internal.MessageTypes;
import dev.agate.spi.Serializer;

/**
 * The one place where a message becomes a body and back: the store and the transports take an envelope
 * with its serialized body, a handler takes the message read from it by its message type. Thread-safe.
 */
public final class EnvelopeBodies {
    private final MessageTypes types;
    private final Serializer serializer;

    public EnvelopeBodies(MessageTypes types, Serializer serializer) {
        this.types = types;
        this.serializer = serializer;
    }

    /**
     * The envelope with its serialized body (itself when it has one already).
     *
     * @throws dev.agate.SerializationException when the message cannot be serialized
     */
    public Envelope serialized(Envelope envelope) {
        return envelope.body() != null ? envelope : envelope.withBody(serializer.contentType(), serializer.serialize(envelope.message()));
    }

    /**
     * The message of an envelope: the object it carries, else its body read as the class its message type names.
     *
     * @throws UnknownMessageTypeException when no handler or registered class has the envelope's type name
     * @throws dev.agate.SerializationException when the body cannot be read as that class, or a transport
     *         marked the envelope {@link Envelope#UNREADABLE_HEADER unreadable}
     */
    public Object messageOf(Envelope envelope) {
        if (envelope.message() != null) {
            return envelope.message();
        }
        String unreadable = envelope.headers().get(Envelope.UNREADABLE_HEADER);
        if (unreadable != null) {
            throw new dev.agate.SerializationException(unreadable, null);
        }
        Class<?> type = types.classFor(envelope.messageType())
                .orElseThrow(() -> new UnknownMessageTypeException(envelope.messageType()));
        return serializer.deserialize(envelope.body(), type);
    }
}
