package dev.agate;

/** Thrown by {@code send} and {@code invoke} when a message has nowhere to go: no route, no local handler. */
public class NoRouteException extends AgateException {
    private static final long serialVersionUID = 1L;

    public NoRouteException(String message) {
        super(message);
    }
}
