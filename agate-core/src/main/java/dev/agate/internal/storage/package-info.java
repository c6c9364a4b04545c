/**
 * The runtime's side of the message store: this node's lease and incarnation ({@code NodeLease}), every
 * write the runtime makes ({@code DurableStorage}), the writes that wait and go in batches
 * ({@code WriteBehind}), and the store's health ({@code StoreHealth}). It speaks envelopes, ids and URIs;
 * it knows no endpoint or handler. May use only the helpers of {@code dev.agate.internal}.
 */
package dev.agate.internal.storage;
