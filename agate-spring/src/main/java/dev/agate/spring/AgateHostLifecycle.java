package dev.agate.spring;

import dev.agate.AgateHost;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Binds a host's life to its Spring context's: started when the context has created every bean (at the
 * end of its refresh), closed when the context closes, before any bean is destroyed, so the host drains
 * while the {@code DataSource} and the beans its handlers call are still there.
 *
 * <p>The phase ({@link #PHASE}) starts the host before a web server ({@code SmartLifecycle.DEFAULT_PHASE -
 * 2048}) takes requests that send messages, and stops it after the server stopped taking them. Closing blocks
 * for up to the host's shutdown timeout. A closed host cannot start again: stopping is final.
 */
public final class AgateHostLifecycle implements SmartLifecycle {
    /** Before a web server on start, after it on stop. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final AgateHost host;

    public AgateHostLifecycle(AgateHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    /**
     * Starts the host: blocks until its store is reachable (up to its store start timeout).
     *
     * @throws IllegalStateException when the host was stopped before
     */
    @Override
    public void start() {
        host.start();
    }

    @Override
    public void stop() {
        host.close();
    }

    @Override
    public boolean isRunning() {
        return host.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
