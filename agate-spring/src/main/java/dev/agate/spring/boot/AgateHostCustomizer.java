package dev.agate.spring.boot;

import dev.agate.AgateHost;

/**
 * Configures the auto-configured host in code: error policies, observers, routes by predicate, a
 * serializer, anything {@link AgateHost.Builder} offers. Declare beans of this type; they are applied in
 * their {@code @Order}, after the {@code agate.*} properties and the handler beans, so they may override
 * both. Called once, on the thread that creates the host's bean.
 */
@FunctionalInterface
public interface AgateHostCustomizer {

    void customize(AgateHost.Builder builder);
}
