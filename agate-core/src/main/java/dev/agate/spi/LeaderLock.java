package dev.agate.spi;

/**
 * A lock that at most one node of a store holds at a time: whoever holds it runs the jobs that must
 * not run twice at once, such as releasing the rows of dead nodes. Called by one thread at a time.
 */
public interface LeaderLock extends AutoCloseable {

    /**
     * Takes the lock if it is free, without waiting. When this node already holds it, checks that the
     * hold is still real (on PostgreSQL and MariaDB the lock lives in a database session, which may have
     * died) before answering true.
     *
     * @return whether this node holds the lock now
     */
    boolean tryAcquire();

    /** Whether the last {@link #tryAcquire()} answered true and {@link #release()} was not called since. */
    boolean isHeld();

    /** Lets go of the lock if held. Never throws. */
    void release();

    @Override
    default void close() {
        release();
    }
}
