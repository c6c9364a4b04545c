package dev.agate.spring;

import dev.agate.OutboxTransaction;
import org.springframework.core.Ordered;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Ties one {@link OutboxTransaction} to the Spring transaction it was opened in: bound as the transaction's
 * resource while it runs (unbound while it is suspended), and told how it ended.
 *
 * <p>It runs first among the transaction's synchronizations, so that from its after-commit on, sends of
 * other callbacks find it completing and go out at once instead of into an outbox that has ended. An unknown
 * outcome (a commit that failed, then a rollback that failed too) is handled like the outbox's own failed
 * commit: nothing is delivered from memory, and the rows written in it are given to the durability agent,
 * which finds them if the commit went through after all. Called on the transaction's thread only.
 */
final class OutboxSynchronization implements TransactionSynchronization {
    private final Object key;
    private final OutboxTransaction outbox;
    private boolean completing;

    OutboxSynchronization(Object key, OutboxTransaction outbox) {
        this.key = key;
        this.outbox = outbox;
    }

    OutboxTransaction outbox() {
        return outbox;
    }

    boolean isCompleting() {
        return completing;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public void suspend() {
        TransactionSynchronizationManager.unbindResource(key);
    }

    @Override
    public void resume() {
        TransactionSynchronizationManager.bindResource(key, this);
    }

    /** Refuses a commit that the database would turn into a silent rollback; Spring then rolls back. */
    @Override
    public void beforeCommit(boolean readOnly) {
        outbox.beforeCommit();
    }

    @Override
    public void afterCommit() {
        completing = true;
        outbox.afterCommit();
    }

    @Override
    public void afterCompletion(int status) {
        completing = true;
        TransactionSynchronizationManager.unbindResourceIfPossible(key);
        switch (status) {
            case STATUS_COMMITTED -> outbox.afterCommit(); // done in afterCommit already; a no-op then
            case STATUS_ROLLED_BACK -> outbox.afterRollback();
            default -> outbox.close();
        }
    }
}
