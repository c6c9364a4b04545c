package dev.agate.jdbc;

/** The message store compliance kit on SQLite files. */
class SqliteStoreComplianceTest extends JdbcStoreCompliance {
    @Override
    TestDatabase.Kind kind() {
        return TestDatabase.Kind.SQLITE;
    }
}
