package dev.agate.internal.bus;

import dev.agate.spi.Transport;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The transport of each scheme a host serves: the configured ones first, then those on the class path. Immutable. */
public final class Transports {
    private static final Logger log = LoggerFactory.getLogger(Transports.class);

    private final Map<String, Transport> byScheme;

    private Transports(Map<String, Transport> byScheme) {
        this.byScheme = Map.copyOf(byScheme);
    }

    /**
     * @throws IllegalArgumentException when two configured transports serve one scheme, or one claims {@code local}
     */
    public static Transports load(List<Transport> configured) {
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
        return new Transports(byScheme);
    }

    private static String scheme(Transport transport) {
        String scheme = transport.scheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("local")) {
            throw new IllegalArgumentException("the scheme 'local' is the host's own queues; a transport cannot serve it");
        }
        return scheme;
    }

    /** Whether a transport serves the scheme of {@code uri}. */
    public boolean serves(URI uri) {
        return uri.getScheme() != null && byScheme.containsKey(uri.getScheme());
    }

    /** The transport of the scheme of {@code uri}; check it is served first. */
    public Transport of(URI uri) {
        return byScheme.get(uri.getScheme());
    }

    /**
     * Checks a URI served by a transport: its scheme is known, and the transport accepts the rest.
     *
     * @param where what names the URI, for the message
     * @throws IllegalArgumentException naming the URI and {@code where}
     */
    public void check(URI uri, String where) {
        Transport transport = uri.getScheme() == null ? null : byScheme.get(uri.getScheme());
        if (transport == null) {
            List<String> known = new ArrayList<>(byScheme.keySet());
            known.add("local");
            throw new IllegalArgumentException("unknown endpoint scheme '" + uri.getScheme() + "' in " + uri + " (" + where
                    + "); known schemes: " + known.stream().sorted().toList()
                    + (byScheme.isEmpty() ? " (add agate-tcp to the class path for tcp://)" : ""));
        }
        try {
            transport.checkUri(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + uri + ", " + where + ")", e);
        }
    }

    /** Closes every transport; a failure is logged, and the others are closed still. */
    public void closeAll() {
        for (Transport transport : new LinkedHashSet<>(byScheme.values())) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                log.warn("closing the {} transport failed", transport.scheme(), e);
            }
        }
    }
}
