package dev.agate.internal.execution;

import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.StoreTransaction;

/**
 * The transaction that the handlings of one batch share: opened by the first of them that needs it, then
 * committed (with every handled mark) or rolled back whole by the batch. One worker thread uses it.
 */
final class SharedTransaction {
    private final DurableStorage storage;
    private StoreTransaction transaction;
    /** When the transaction was opened (System.nanoTime()), 0 before. */
    private long openedAt;

    SharedTransaction(DurableStorage storage) {
        this.storage = storage;
    }

    /** The transaction, opened now if none is. */
    StoreTransaction get() {
        if (transaction == null) {
            transaction = storage.begin(true); // only durable queues' handlings share a batch's transaction
            openedAt = System.nanoTime();
        }
        return transaction;
    }

    /** When the transaction was opened (System.nanoTime()): after any wait for a pooled connection; 0 before. */
    long openedAt() {
        return openedAt;
    }

    /** The transaction if one is open, else null. */
    StoreTransaction openOrNull() {
        return transaction;
    }

    /** Rolls the open transaction back, if there is one; a failure of the rollback is added to {@code cause}, or dropped. */
    void rollback(Throwable cause) {
        StoreTransaction open = transaction;
        transaction = null;
        if (open == null) {
            return;
        }
        try {
            open.rollback();
        } catch (RuntimeException | Error e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    /** The transaction ended (committed); it is no longer this batch's. */
    void ended() {
        transaction = null;
    }
}
