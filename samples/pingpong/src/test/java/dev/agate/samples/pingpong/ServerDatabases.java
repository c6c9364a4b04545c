package dev.agate.samples.pingpong;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Databases of their own for a test on this machine's PostgreSQL or MariaDB server, dropped by {@link #close()}. */
final class ServerDatabases implements AutoCloseable {
    private static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/?user=root&password=";

    private final String kind;
    private final List<String> created = new ArrayList<>();

    /** @param kind {@code postgres} or {@code mariadb} */
    ServerDatabases(String kind) {
        if (!kind.equals("postgres") && !kind.equals("mariadb")) {
            throw new IllegalArgumentException("no server database of kind " + kind);
        }
        this.kind = kind;
    }

    /** Creates a database named after {@code prefix} and returns its JDBC URL. */
    String create(String prefix) throws Exception {
        String name = prefix + "_" + Long.toHexString(System.nanoTime());
        admin("CREATE DATABASE " + name);
        created.add(name);
        return kind.equals("postgres") ? "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres"
                : "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root&password=";
    }

    /** The server's port, for a proxy in front of it. */
    int port() {
        return kind.equals("postgres") ? 5432 : 3306;
    }

    private void admin(String sql) throws Exception {
        try (Connection admin = DriverManager.getConnection(kind.equals("postgres") ? PG_ADMIN : MARIADB_ADMIN);
             Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() throws Exception {
        for (String name : created) {
            admin("DROP DATABASE IF EXISTS " + name + (kind.equals("postgres") ? " WITH (FORCE)" : ""));
        }
    }
}
