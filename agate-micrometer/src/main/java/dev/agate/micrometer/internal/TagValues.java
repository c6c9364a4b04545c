package dev.agate.micrometer.internal;

import java.net.URI;

/** The values of the meters' tags: few, and never ids, credentials or anything else that grows with traffic. */
public final class TagValues {
    /** The value of a tag that does not apply: an endpoint of an {@code invoke}, an exception of a success. */
    public static final String NONE = "none";
    /** The mode of an endpoint the host did not list (yet). */
    public static final String UNKNOWN = "unknown";

    private TagValues() {
    }

    /** An endpoint URI without user information, query or fragment (a token there must not reach a dashboard). */
    public static String endpoint(URI uri) {
        if (uri == null) {
            return NONE;
        }
        String authority = uri.getRawAuthority();
        if (authority == null) {
            return uri.getScheme() + ":" + (uri.getRawPath() == null ? "" : uri.getRawPath());
        }
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        return uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /**
     * The simple name of an exception class from its full name: {@code java.sql.SQLTransientException} is
     * {@code SQLTransientException}, a nested {@code Orders$Declined} is {@code Declined}; an anonymous class keeps
     * its outer name ({@code Orders$1}). {@code none} for null.
     */
    public static String exception(String className) {
        if (className == null || className.isBlank()) {
            return NONE;
        }
        String name = className.substring(className.lastIndexOf('.') + 1);
        int nested = name.lastIndexOf('$');
        if (nested >= 0 && nested + 1 < name.length() && !Character.isDigit(name.charAt(nested + 1))) {
            name = name.substring(nested + 1);
        }
        return name;
    }
}
