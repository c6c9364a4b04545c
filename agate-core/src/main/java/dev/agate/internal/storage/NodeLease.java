package dev.agate.internal.storage;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This node's lease as the node itself must assume it: its incarnation (the node id the store handed out
 * at the last registration) and whether that incarnation may still act.
 *
 * <p>The store declares a node dead once its last renewal is {@code nodeTimeout} old by the store's clock.
 * The node counts from <em>before</em> it sent that renewal, on its own monotonic clock (which keeps
 * running while the process is frozen), and stops trusting the lease a tenth earlier: so the node always
 * stops acting before anyone may take its work over, whether it was frozen, cut off or only slow. While
 * the lease is not live, workers wait at {@link #awaitLive} instead of handling, listeners refuse, and
 * nothing is claimed. When the heartbeat finds the incarnation gone (it was declared dead), the node
 * forgets what it held and registers again: a new incarnation, whose work never mixes with the old one's
 * (every owned write checks the owner id, and ids are never handed out twice).
 *
 * <p>Also measures how long the store has been reachable without a break, for the leader: after an outage
 * every lease looks old, and no node may be declared dead before it had a full node timeout to renew.
 *
 * <p>Thread-safe: the heartbeat writes, every worker reads (two volatile reads on the hot path).
 */
public final class NodeLease {
    private final long validNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int incarnation;
    /** System.nanoTime() before the last renewal that the store accepted. */
    private volatile long renewedAt;
    private volatile boolean lost;
    /** System.nanoTime() since when every renewal reached the store in time; 0 after a break. */
    private volatile long reachableSince;

    public NodeLease(Duration nodeTimeout) {
        this.validNanos = nodeTimeout.toNanos() - nodeTimeout.toNanos() / 10;
    }

    /** The current incarnation: this node's id in the store; 0 before the first registration. */
    public int incarnation() {
        return incarnation;
    }

    /** Whether this incarnation may act now: renewed recently enough, and not found dead. */
    public boolean isLive() {
        return !lost && incarnation != 0 && System.nanoTime() - renewedAt < validNanos;
    }

    /**
     * Waits while the lease is not live (a freeze, a cut-off store, a rejoin under way), up to {@code wait}.
     *
     * @return true when the lease is live and still of {@code incarnation}: the caller may act on what it
     *         took under that incarnation; false when the incarnation changed (the caller must drop what it
     *         holds, unhandled: other nodes own it now) or the wait ran out
     */
    public boolean awaitLive(int incarnation, Duration wait) throws InterruptedException {
        if (isLive()) {
            return this.incarnation == incarnation;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (!isLive() && this.incarnation == incarnation) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Also wakes at the lease's own expiry check: renewals signal, but a wait must not outlast one.
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            }
            return this.incarnation == incarnation && isLive();
        } finally {
            lock.unlock();
        }
    }

    /** A registration under {@code id} succeeded; it was sent at {@code sentAt} (System.nanoTime()). */
    public void registered(int id, long sentAt) {
        signal(() -> {
            incarnation = id;
            renewedAt = sentAt;
            lost = false;
            reachableSince = sentAt;
        });
    }

    /** A renewal sent at {@code sentAt} was accepted by the store. */
    public void renewed(long sentAt) {
        signal(() -> {
            if (reachableSince == 0 || sentAt - renewedAt > validNanos) {
                // The first renewal after a break, or after a gap as long as a lease (this process was frozen).
                reachableSince = sentAt;
            }
            renewedAt = sentAt;
        });
    }

    /** A renewal failed to reach the store: the store is not reachable without a break any more. */
    public void unreachable() {
        reachableSince = 0;
    }

    /** The store answered that this incarnation is no longer registered: it was declared dead. */
    public void markLost() {
        signal(() -> lost = true);
    }

    /** How long the store has been reachable without a break (zero after a failed renewal or a freeze). */
    public Duration reachableFor() {
        long since = reachableSince;
        if (since == 0 || !isLive()) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(System.nanoTime() - since);
    }

    private void signal(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
