package dev.agate.jdbc;

/** The message store compliance kit on PostgreSQL. */
class PostgresStoreComplianceTest extends JdbcStoreCompliance {
    @Override
    TestDatabase.Kind kind() {
        return TestDatabase.Kind.POSTGRES;
    }
}
