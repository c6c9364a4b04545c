package dev.agate.micrometer.internal;

import dev.agate.HostStatus;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The mode of each endpoint (durable, buffered, inline), for the {@code mode} tag: events name only the endpoint's
 * URI, so the modes are read from the host's status, which lists the endpoints it opened. Read once per endpoint;
 * an endpoint the status does not list is looked for again at most once a second. Thread-safe.
 */
public final class EndpointModes {
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<URI, String> known = new ConcurrentHashMap<>();
    /** When each endpoint not listed was last looked for. */
    private final Map<URI, Long> missing = new ConcurrentHashMap<>();
    private volatile Supplier<HostStatus> status;

    /** From now on, modes are read from {@code status}. */
    public void readFrom(Supplier<HostStatus> status) {
        this.status = status;
    }

    /**
     * The mode of the endpoint, lowercase; {@link TagValues#NONE} for no endpoint ({@code invoke}); null when it
     * is not known (yet): not bound to a host, or an endpoint the host does not list.
     */
    public String of(URI endpoint) {
        if (endpoint == null) {
            return TagValues.NONE;
        }
        String mode = known.get(endpoint);
        if (mode != null) {
            return mode;
        }
        Supplier<HostStatus> source = status;
        if (source == null) {
            return null;
        }
        long now = System.nanoTime();
        Long looked = missing.get(endpoint);
        if (looked != null && now - looked < LOOK_AGAIN_NANOS) {
            return null;
        }
        for (HostStatus.EndpointStatus listed : source.get().endpoints()) {
            known.putIfAbsent(listed.uri(), listed.mode().name().toLowerCase(Locale.ROOT));
        }
        mode = known.get(endpoint);
        if (mode == null) {
            missing.put(endpoint, now);
        } else {
            missing.remove(endpoint);
        }
        return mode;
    }
}
