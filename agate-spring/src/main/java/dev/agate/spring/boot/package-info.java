/**
 * Spring Boot auto-configuration of Agate: the host from {@code agate.*} properties, the store on the
 * application's {@code DataSource}, the transaction-aware {@code MessageBus}, the host's life bound to the
 * context's, and the actuator's "agate" health indicator. Use it through {@code agate-spring-boot-starter}.
 */
package dev.agate.spring.boot;
