/**
 * The running host: the bus, the unit of work around handlers, the executor that applies error policies,
 * local queues, the in-memory scheduler and dead letters, and the bookkeeping that lets close() drain.
 */
package dev.agate.internal.runtime;
