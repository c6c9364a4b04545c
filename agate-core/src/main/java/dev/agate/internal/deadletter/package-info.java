/**
 * Dead letters: moving an envelope there (the store's for a durable endpoint, else in memory) the view
 * a host shows, which queries, replays, edits and deletes them, and the audit of those actions. May use {@code storage} and the floors below it.
 */
package dev.agate.internal.deadletter;
