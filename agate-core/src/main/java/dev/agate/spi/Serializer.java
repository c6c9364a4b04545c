package dev.agate.spi;

import dev.agate.SerializationException;

/**
 * Turns message objects into bytes and back. The default is JSON through Jackson. Implementations must
 * be thread-safe; they are called on sending and handling threads.
 */
public interface Serializer {

    /** The content type written into envelopes, for example {@code application/json}. */
    String contentType();

    /** @throws SerializationException when the message cannot be written */
    byte[] serialize(Object message);

    /** @throws SerializationException when the bytes are not a {@code type} */
    <T> T deserialize(byte[] body, Class<T> type);
}
