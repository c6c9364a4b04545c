package dev.agate.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.agate.SerializationException;
import dev.agate.spi.Serializer;
import java.io.IOException;

/**
 * The default serializer: JSON through Jackson, with records, {@code java.time} and {@code Optional}
 * supported. Unknown properties are ignored so that a sender may add fields before its receivers know
 * them; dates are written as ISO-8601 strings.
 */
public final class JacksonSerializer implements Serializer {
    private final ObjectMapper mapper;

    public JacksonSerializer() {
        this(JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build());
    }

    /** Uses the caller's mapper as it is configured. */
    public JacksonSerializer(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String contentType() {
        return "application/json";
    }

    @Override
    public byte[] serialize(Object message) {
        try {
            return mapper.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new SerializationException("cannot serialize " + message.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T deserialize(byte[] body, Class<T> type) {
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw new SerializationException("cannot deserialize " + type.getName() + ": the body is JSON null", null);
            }
            return value;
        } catch (IOException e) {
            throw new SerializationException("cannot deserialize " + type.getName() + ": " + e.getMessage(), e);
        }
    }
}
