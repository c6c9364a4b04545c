/**
 * Extension points: serializers and observers of message events. Stores and transports join here as
 * they arrive. Implementations must be thread-safe.
 */
package dev.agate.spi;
