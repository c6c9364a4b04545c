package dev.agate.internal.transport;

import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.Observers;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.endpoint.WorkTracker;
import java.time.Clock;
import java.time.Duration;

/**
 * What every sending agent of a host shares.
 *
 * @param work counts what the agents hold, so close() waits for it
 * @param sendTimeout how long a send waits for room in a buffered sender
 * @param bodies serializes what a buffered sender takes (a durable one's envelopes are serialized in the store)
 * @param deadLetters where an envelope its destination refuses for good goes
 */
public record SenderServices(WorkTracker work, Duration sendTimeout, Observers observers, Clock clock, EnvelopeBodies bodies,
                      DeadLettering deadLetters, Lifecycle lifecycle) {
}
