package dev.agate.micrometer.internal;

import static dev.agate.micrometer.internal.MeterNames.ENDPOINT;
import static dev.agate.micrometer.internal.MeterNames.EXCEPTION;
import static dev.agate.micrometer.internal.MeterNames.MODE;
import static dev.agate.micrometer.internal.MeterNames.OPERATION;
import static dev.agate.micrometer.internal.MeterNames.OUTCOME;
import static dev.agate.micrometer.internal.MeterNames.TYPE;

import dev.agate.Envelope;
import dev.agate.spi.MessageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The counters and timers fed by a host's events and store calls. Called on the host's threads (callers of the
 * bus, workers, senders), so the path of an event is a look-up in a map of meters made once per combination of
 * tags; a meter whose endpoint's mode is not known yet is not kept, so a later event finds the mode. Thread-safe.
 */
public final class EventMeters {
    /** How many handlings one thread may have started and not ended: nested {@code invoke}s and a batch's members. */
    private static final int STARTS_PER_THREAD = 256;

    private final MeterRegistry registry;
    private final EndpointModes modes;
    private final Map<Key, Meter> meters = new ConcurrentHashMap<>();
    private final Map<String, Meter> storeMeters = new ConcurrentHashMap<>();
    private final ThreadLocal<Starts> starts = ThreadLocal.withInitial(Starts::new);

    /** One meter's name and the event's parts its tags come from. */
    private record Key(String name, URI endpoint, String type, String extra) {
    }

    public EventMeters(MeterRegistry registry, EndpointModes modes) {
        this.registry = registry;
        this.modes = modes;
    }

    public void onEvent(MessageEvent event) {
        // Read first, so a handling's time does not include this observer's own work (a meter registered the first time).
        long now = System.nanoTime();
        Envelope envelope = event.envelope();
        switch (event.kind()) {
            case SENT -> count(MeterNames.SENT, event, null);
            case RECEIVED -> count(MeterNames.RECEIVED, event, null);
            case SCHEDULED -> count(MeterNames.SCHEDULED, event, null);
            case STARTED -> starts.get().add(envelope.id(), now);
            case SUCCEEDED -> {
                count(MeterNames.HANDLED, event, null);
                timeHandling(event, "success", now);
                timeLatency(event);
            }
            case FAILED -> {
                count(MeterNames.FAILED, event, exceptionOf(event));
                timeHandling(event, "failure", now);
            }
            case RETRYING, REQUEUED, RETRY_SCHEDULED -> count(MeterNames.RETRIED, event, null);
            case FORWARDED -> count(MeterNames.FORWARDED, event, null);
            case DEAD_LETTERED -> count(MeterNames.DEAD_LETTERED, event, exceptionOf(event));
            case DISCARDED -> {
                starts.get().take(envelope.id()); // a handling rolled back as another node's ends here
                count(MeterNames.DISCARDED, event, null);
            }
            case ABANDONED -> {
                starts.get().take(envelope.id());
                count(MeterNames.ABANDONED, event, null);
            }
            case DUPLICATE -> count(MeterNames.DUPLICATES, event, null);
        }
    }

    /** Times a store call and, when it moved envelopes, records how many. */
    public void onStoreOperation(String operation, int envelopes, long nanos, boolean succeeded) {
        String outcome = succeeded ? "success" : "failure";
        Timer timer = (Timer) storeMeters.computeIfAbsent(operation + " " + outcome, k -> Timer.builder(MeterNames.STORE_OPERATION)
                .description("How long the host's calls to its message store took, by operation")
                .tags(OPERATION, operation, OUTCOME, outcome).register(registry));
        timer.record(nanos, TimeUnit.NANOSECONDS);
        if (envelopes > 0) {
            DistributionSummary sizes = (DistributionSummary) storeMeters.computeIfAbsent(operation, k -> DistributionSummary
                    .builder(MeterNames.STORE_BATCH_SIZE).description("How many envelopes one store call wrote or claimed, by operation")
                    .tags(OPERATION, operation).register(registry));
            sizes.record(envelopes);
        }
    }

    private static String exceptionOf(MessageEvent event) {
        return event.exception() == null ? TagValues.NONE : TagValues.exception(event.exception().getClass().getName());
    }

    private void count(String name, MessageEvent event, String exception) {
        ((Counter) meter(new Key(name, event.endpoint(), event.envelope().messageType(), exception), this::newCounter)).increment();
    }

    private void timeHandling(MessageEvent event, String outcome, long now) {
        long started = starts.get().take(event.envelope().id());
        if (started != Long.MIN_VALUE) {
            ((Timer) meter(new Key(MeterNames.HANDLER_EXECUTION, event.endpoint(), event.envelope().messageType(), outcome), this::newTimer))
                    .record(now - started, TimeUnit.NANOSECONDS);
        }
    }

    /** From when the envelope was sent, or when it was due if it was scheduled for later, to its handling's success. */
    private void timeLatency(MessageEvent event) {
        Envelope envelope = event.envelope();
        Instant from = envelope.sentAt();
        if (envelope.scheduledTime() != null && (from == null || envelope.scheduledTime().isAfter(from))) {
            from = envelope.scheduledTime();
        }
        if (from == null || from.isAfter(event.at())) {
            return; // no time to start from, or clocks of two nodes that disagree
        }
        ((Timer) meter(new Key(MeterNames.LATENCY, event.endpoint(), envelope.messageType(), null), this::newTimer))
                .record(Duration.between(from, event.at()));
    }

    private interface Maker {
        Meter make(Key key, String mode);
    }

    private Meter meter(Key key, Maker maker) {
        Meter meter = meters.get(key);
        if (meter != null) {
            return meter;
        }
        String mode = modes.of(key.endpoint());
        if (mode == null) {
            return maker.make(key, TagValues.UNKNOWN); // the registry keeps it; this map waits for the mode
        }
        return meters.computeIfAbsent(key, k -> maker.make(k, mode));
    }

    private Tags tags(Key key, String mode) {
        return Tags.of(TYPE, key.type() == null ? TagValues.NONE : key.type(), ENDPOINT, TagValues.endpoint(key.endpoint()), MODE, mode);
    }

    private Meter newCounter(Key key, String mode) {
        Tags tags = tags(key, mode);
        if (key.name().equals(MeterNames.FAILED) || key.name().equals(MeterNames.DEAD_LETTERED)) {
            tags = tags.and(EXCEPTION, key.extra());
        }
        return Counter.builder(key.name()).description(COUNTED.get(key.name())).tags(tags).register(registry);
    }

    private Meter newTimer(Key key, String mode) {
        Tags tags = tags(key, mode);
        if (key.name().equals(MeterNames.HANDLER_EXECUTION)) {
            return Timer.builder(key.name()).description("How long handling attempts took, from start to success or failure")
                    .tags(tags.and(OUTCOME, key.extra())).register(registry);
        }
        return Timer.builder(key.name()).description("From when a message was sent (or due, if scheduled) to its successful handling")
                .tags(tags).register(registry);
    }

    private static final Map<String, String> COUNTED = Map.ofEntries(
            Map.entry(MeterNames.SENT, "Envelopes accepted by an endpoint for delivery now"),
            Map.entry(MeterNames.RECEIVED, "Envelopes received from other services by a listener"),
            Map.entry(MeterNames.SCHEDULED, "Envelopes accepted for delivery at a later time"),
            Map.entry(MeterNames.HANDLED, "Envelopes whose handlers all succeeded"),
            Map.entry(MeterNames.FAILED, "Handling attempts that threw"),
            Map.entry(MeterNames.RETRIED, "Envelopes to be handled again: now, at the end of their queue, or later"),
            Map.entry(MeterNames.FORWARDED, "Envelopes acknowledged by the other service they were sent to"),
            Map.entry(MeterNames.DEAD_LETTERED, "Envelopes moved to the dead letters"),
            Map.entry(MeterNames.DISCARDED, "Envelopes dropped by an error policy, because they expired, or as another node's"),
            Map.entry(MeterNames.ABANDONED, "Envelopes neither handled nor kept: refused by a full queue, left in memory at close"),
            Map.entry(MeterNames.DUPLICATES, "Copies of envelopes whose ids were stored already: not stored or handled again"));

    /** The handlings a thread started and has not ended, newest last; the oldest goes when it holds too many. */
    private static final class Starts {
        private final UUID[] ids = new UUID[STARTS_PER_THREAD];
        private final long[] nanos = new long[STARTS_PER_THREAD];
        private int size;

        void add(UUID id, long at) {
            if (size == ids.length) {
                System.arraycopy(ids, 1, ids, 0, size - 1);
                System.arraycopy(nanos, 1, nanos, 0, size - 1);
                size--;
            }
            ids[size] = id;
            nanos[size] = at;
            size++;
        }

        /** When the handling of {@code id} started, forgotten now; {@link Long#MIN_VALUE} when this thread did not start it. */
        long take(UUID id) {
            for (int i = size - 1; i >= 0; i--) {
                if (ids[i].equals(id)) {
                    long at = nanos[i];
                    System.arraycopy(ids, i + 1, ids, i, size - i - 1);
                    System.arraycopy(nanos, i + 1, nanos, i, size - i - 1);
                    ids[--size] = null;
                    return at;
                }
            }
            return Long.MIN_VALUE;
        }
    }
}
