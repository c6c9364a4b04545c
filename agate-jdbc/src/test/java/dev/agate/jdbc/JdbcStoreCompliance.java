package dev.agate.jdbc;

import dev.agate.spi.MessageStore;
import dev.agate.testing.MessageStoreCompliance;

/**
 * The compliance kit on one kind of real database: each test on a fresh database of its own, through a
 * {@link JdbcMessageStore} built from its URL as an application would build it, and a second store on the
 * same database for the races, as a second process would open it.
 */
abstract class JdbcStoreCompliance extends MessageStoreCompliance {
    private TestDatabase db;

    abstract TestDatabase.Kind kind();

    @Override
    protected MessageStore newStore() throws Exception {
        db = TestDatabase.create(kind());
        return started();
    }

    @Override
    protected MessageStore newStoreOnTheSameDatabase() {
        return started();
    }

    @Override
    protected void disposeStore(MessageStore store) throws Exception {
        try {
            store.close();
        } finally {
            db.close();
        }
    }

    private MessageStore started() {
        JdbcMessageStore store = JdbcMessageStore.builder(db.url).build();
        store.start();
        return store;
    }
}
