/**
 * Recovery after a crash or restart of any node: the durability agent and its jobs (heartbeat, release
 * of dead nodes, recovery of incoming and outgoing envelopes, due scheduled envelopes, cleanup, the
 * write-behind flush), the hand-over of claimed envelopes to this host's endpoints ({@code Recovery}), and
 * this host's membership as a node of its store ({@code NodeMembership}). May use {@code bus} and the
 * floors below it; never {@code execution}, which sits on the same floor.
 */
package dev.agate.internal.durability;
