package dev.agate.testing;

import dev.agate.spi.LeaderLock;

/** A leader lock of an {@link InMemoryMessageStore}: held by at most one lock object of the store at a time. */
final class InMemoryLeaderLock implements LeaderLock {
    private final InMemoryMessageStore store;
    private boolean held;

    InMemoryLeaderLock(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public synchronized boolean tryAcquire() {
        held = store.takeLeadership(this);
        return held;
    }

    @Override
    public synchronized boolean isHeld() {
        return held;
    }

    @Override
    public synchronized void release() {
        if (held) {
            store.giveUpLeadership(this);
            held = false;
        }
    }
}
