package dev.agate.internal.runtime;

import dev.agate.spi.Transport;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/** Finds the transport of each scheme: the configured ones first, then those on the class path. */
final class Transports {
    private Transports() {
    }

    /**
     * @throws IllegalArgumentException when two configured transports serve one scheme, or one claims {@code local}
     */
    static Map<String, Transport> load(List<Transport> configured) {
        Map<String, Transport> byScheme = new HashMap<>();
        for (Transport transport : configured) {
            String scheme = scheme(transport);
            if (byScheme.putIfAbsent(scheme, transport) != null) {
                throw new IllegalArgumentException("two transports are registered for the scheme '" + scheme + "'");
            }
        }
        for (ServiceLoader.Provider<Transport> provider : ServiceLoader.load(Transport.class).stream().toList()) {
            Class<? extends Transport> type = provider.type();
            if (byScheme.values().stream().noneMatch(type::isInstance)) {
                Transport found = provider.get();
                if (byScheme.putIfAbsent(scheme(found), found) != null) {
                    found.close(); // a configured one serves this scheme
                }
            }
        }
        return Map.copyOf(byScheme);
    }

    private static String scheme(Transport transport) {
        String scheme = transport.scheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("local")) {
            throw new IllegalArgumentException("the scheme 'local' is the host's own queues; a transport cannot serve it");
        }
        return scheme;
    }
}
