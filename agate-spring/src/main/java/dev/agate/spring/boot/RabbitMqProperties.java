package dev.agate.spring.boot;

import dev.agate.rabbitmq.RabbitMqTransport;

/** The transport the {@code agate.rabbitmq.*} properties describe; loaded only when agate-rabbitmq is on the class path. */
final class RabbitMqProperties {
    private RabbitMqProperties() {
    }

    static RabbitMqTransport transport(AgateProperties.RabbitMq settings) {
        RabbitMqTransport.Builder builder = RabbitMqTransport.builder();
        if (settings.getUrl() != null) {
            builder.uri(settings.getUrl());
        }
        if (settings.isAutoProvision()) {
            builder.autoProvision();
        }
        settings.getQuorumQueues().forEach(builder::quorumQueue);
        if (settings.getBatchSize() != null) {
            builder.batchSize(settings.getBatchSize());
        }
        if (settings.getPrefetch() != null) {
            builder.prefetch(settings.getPrefetch());
        }
        settings.getDefaultMessageTypes().forEach(builder::defaultMessageType);
        settings.getTypeMappings().forEach(builder::mapType);
        return builder.build();
    }
}
