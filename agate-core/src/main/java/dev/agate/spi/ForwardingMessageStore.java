package dev.agate.spi;

import java.sql.Connection;
import java.util.Objects;
import java.util.Set;

/**
 * A message store that forwards every call to another: the base of a decorator that changes only some
 * of them (how handler transactions begin, say, as the Spring and JPA integrations do), so that a method
 * added to {@link MessageStore} is forwarded in one place.
 */
public abstract class ForwardingMessageStore implements MessageStore {
    private final MessageStore delegate;

    protected ForwardingMessageStore(MessageStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store this one forwards to. */
    protected MessageStore delegate() {
        return delegate;
    }

    @Override
    public String description() {
        return delegate.description();
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public Inbox inbox() {
        return delegate.inbox();
    }

    @Override
    public Outbox outbox() {
        return delegate.outbox();
    }

    @Override
    public DeadLetterStore deadLetters() {
        return delegate.deadLetters();
    }

    @Override
    public ScheduledStore scheduled() {
        return delegate.scheduled();
    }

    @Override
    public NodeRegistry nodes() {
        return delegate.nodes();
    }

    @Override
    public StoreAdmin admin() {
        return delegate.admin();
    }


    @Override
    public StoreTransaction begin() {
        return delegate.begin();
    }

    @Override
    public StoreTransaction enlist(Connection connection) {
        return delegate.enlist(connection);
    }

    @Override
    public boolean transactionBoundToThread() {
        return delegate.transactionBoundToThread();
    }

    @Override
    public Set<Class<?>> transactionResources() {
        return delegate.transactionResources();
    }

    @Override
    public boolean singleWriter() {
        return delegate.singleWriter();
    }

    @Override
    public boolean sharesConnections(javax.sql.DataSource dataSource) {
        return delegate.sharesConnections(dataSource);
    }

    @Override
    public int durableQueueWorkers(int queueDefault) {
        return delegate.durableQueueWorkers(queueDefault);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return description();
    }
}
