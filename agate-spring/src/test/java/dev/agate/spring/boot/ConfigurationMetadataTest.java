package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.Durability;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * The configuration metadata an IDE shows for {@code agate.*}: every property has its meaning and its
 * default, either as a value or (where the default depends on the application) in words, and the default
 * values are the ones the code uses.
 */
class ConfigurationMetadataTest {

    private static Map<String, JsonNode> agateProperties() throws Exception {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the metadata the configuration processor writes").isNotNull();
            for (JsonNode property : new ObjectMapper().readTree(in).get("properties")) {
                String name = property.get("name").asText();
                if (name.startsWith("agate.") || name.startsWith("management.health.agate.")) {
                    properties.put(name, property);
                }
            }
        }
        return properties;
    }

    @Test
    void everyPropertySaysWhatItMeansAndItsDefault() throws Exception {
        Map<String, JsonNode> properties = agateProperties();
        assertThat(properties).hasSizeGreaterThanOrEqualTo(20);
        properties.forEach((name, property) -> {
            String description = property.path("description").asText("");
            assertThat(description).as("description of %s", name).isNotBlank();
            assertThat(property.has("defaultValue") || description.contains("Default"))
                    .as("%s has a default value or says its default: %s", name, description).isTrue();
        });
    }

    @Test
    void theDefaultValuesAreTheOnesTheCodeUses() throws Exception {
        Map<String, JsonNode> properties = agateProperties();
        Durability defaults = Durability.defaults();
        Map<String, Duration> durations = Map.of(
                "agate.durability.deduplication-horizon", defaults.deduplicationHorizon(),
                "agate.durability.scheduled-polling-interval", defaults.scheduledPollingInterval(),
                "agate.durability.recovery-interval", defaults.recoveryInterval(),
                "agate.durability.heartbeat-interval", defaults.heartbeatInterval(),
                "agate.durability.node-timeout", defaults.nodeTimeout(),
                "agate.durability.cleanup-interval", defaults.cleanupInterval(),
                "agate.durability.store-start-timeout", PropertiesHostCustomizer.STORE_START_TIMEOUT);
        durations.forEach((name, value) -> assertThat(DurationStyle.detectAndParse(properties.get(name).path("defaultValue").asText()))
                .as("default of %s", name).isEqualTo(value));
        assertThat(properties.get("agate.durability.batch-size").path("defaultValue").asInt()).isEqualTo(defaults.batchSize());
        assertThat(properties.get("agate.durability.max-handling-crashes").path("defaultValue").asInt()).isEqualTo(defaults.maxHandlingCrashes());
        assertThat(properties.get("agate.durability.handling-batch-size").path("defaultValue").asInt()).isEqualTo(defaults.handlingBatchSize());

        AgateProperties.Store store = new AgateProperties().getStore();
        assertThat(properties.get("agate.store.table-prefix").path("defaultValue").asText()).isEqualTo(store.getTablePrefix());
        assertThat(properties.get("agate.store.schema-mode").path("defaultValue").asText())
                .isEqualTo(store.getSchemaMode().name().toLowerCase().replace('_', '-'));
    }
}
