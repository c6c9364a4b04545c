/**
 * Agate in Spring, without Spring Boot: {@link dev.agate.spring.SpringMessageBus} joins sends to Spring-managed
 * transactions, {@link dev.agate.spring.SpringMessageStore} runs durable handlers inside Spring transactions,
 * {@link dev.agate.spring.SpringHandlers} finds the handler beans of a context and
 * {@link dev.agate.spring.AgateHostLifecycle} binds a host's life to the context's.
 */
package dev.agate.spring;
