/**
 * Dead letters: moving an envelope there (the store's for a durable endpoint, else in memory) and the view
 * a host shows, which lists and replays them. May use {@code storage} and the floors below it.
 */
package dev.agate.internal.deadletter;
