package dev.agate.internal.storage;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poison messages: envelopes claimed after a holder died holding them, each of which may have crashed the
 * process. Their next attempts run alone among suspects, and the store counts each one before it starts
 * and uncounts it when it ended, so a crash leaves the count up. Thread-safe.
 */
public final class Suspects {
    private static final Logger log = LoggerFactory.getLogger(Suspects.class);

    private final DurableStorage storage;
    private final Set<UUID> suspects = ConcurrentHashMap.newKeySet();
    private final ReentrantLock attemptsAlone = new ReentrantLock();

    Suspects(DurableStorage storage) {
        this.storage = storage;
    }

    /** Marks a claimed envelope as suspected of crashing the process; see {@link #runSuspected}. */
    public void suspect(UUID id) {
        suspects.add(id);
    }

    public boolean isSuspected(UUID id) {
        return !suspects.isEmpty() && suspects.contains(id);
    }

    /** Forgets envelopes given back to any node: whoever claims them next decides. */
    void forget(Collection<UUID> ids) {
        if (!suspects.isEmpty()) {
            suspects.removeAll(ids);
        }
    }

    void clear() {
        suspects.clear();
    }

    /**
     * Runs {@code attempts} of a suspected envelope alone among suspects (so an envelope that merely ran
     * beside a poison message is not blamed), with the store told before it starts that it may crash the
     * process, and told after it ended that it did not. A VirtualMachineError is taken for a crash: the count
     * stays. False, running nothing, when this node no longer owns the envelope.
     */
    public boolean runSuspected(UUID id, Runnable attempts) {
        attemptsAlone.lock();
        try {
            suspects.remove(id);
            if (!storage.call("recording that a suspected attempt of envelope " + id + " starts",
                    () -> storage.store().inbox().recordSuspectStart(id, storage.nodeId()))) {
                return false;
            }
            boolean crashed = false;
            try {
                attempts.run();
            } catch (VirtualMachineError e) {
                crashed = true;
                throw e;
            } finally {
                if (!crashed) {
                    endSuspected(id);
                }
            }
            return true;
        } finally {
            attemptsAlone.unlock();
        }
    }

    private void endSuspected(UUID id) {
        try {
            storage.call("recording that a suspected attempt of envelope " + id + " ended", () -> {
                storage.store().inbox().recordSuspectEnd(id, storage.nodeId());
                return null;
            });
        } catch (StoreUnavailableException e) {
            // Counted one crash too many: the envelope may reach the dead letters a crash early, never later.
            log.warn("envelope {}: {}", id, e.getMessage());
        }
    }
}
