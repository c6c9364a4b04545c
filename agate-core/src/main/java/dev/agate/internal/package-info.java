/**
 * Agate's internals: not API, and may change in any release. The runtime lives in packages named for
 * their concern, stacked one way (see docs/architecture.md; {@code LayeringTest} holds the code to it):
 * {@code host} on top; {@code execution} and {@code durability}; {@code bus}; {@code transport};
 * {@code deadletter}; {@code endpoint}; {@code storage}; then {@code routing}, {@code handlers} and the
 * helpers of this package at the bottom: message types, the serializer and envelope bodies, observers,
 * thread names, the lifecycle state and the one backoff. These helpers use no other internal package.
 */
package dev.agate.internal;
