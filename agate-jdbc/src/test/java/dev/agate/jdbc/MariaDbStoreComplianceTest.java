package dev.agate.jdbc;

/** The message store compliance kit on MariaDB. */
class MariaDbStoreComplianceTest extends JdbcStoreCompliance {
    @Override
    TestDatabase.Kind kind() {
        return TestDatabase.Kind.MARIADB;
    }
}
