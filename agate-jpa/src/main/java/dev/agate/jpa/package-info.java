/**
 * Agate with JPA on Hibernate ORM, without Spring. {@link dev.agate.jpa.JpaOutbox} joins the outbox to an
 * {@code EntityManager}'s resource-local transaction, so messages commit or roll back with the entities;
 * {@link dev.agate.jpa.JpaMessageStore} gives durable handlers an {@code EntityManager} whose changes
 * commit in one transaction with the mark that their envelope was handled.
 */
package dev.agate.jpa;
