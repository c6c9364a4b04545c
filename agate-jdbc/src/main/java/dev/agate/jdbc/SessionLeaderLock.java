package dev.agate.jdbc;

import dev.agate.spi.LeaderLock;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader lock as a database session lock (an advisory lock on PostgreSQL, {@code GET_LOCK} on
 * MariaDB), held by a connection kept open while this node leads. The lock dies with its session, so a
 * node that still believes it leads re-checks the hold on that connection at every call: a dropped
 * connection or a killed session ends the leadership there, and the node must win the lock again.
 */
final class SessionLeaderLock implements LeaderLock {
    private static final Logger log = LoggerFactory.getLogger(SessionLeaderLock.class);

    private final Jdbc jdbc;
    private final String key;
    private Connection connection;
    private boolean held;

    SessionLeaderLock(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.key = "agate-leader:" + jdbc.names.incoming();
    }

    @Override
    public synchronized boolean tryAcquire() {
        try {
            if (held) {
                if (connection.isValid(5) && jdbc.dialect.holdsLeaderLock(connection, key)) {
                    return true;
                }
                log.warn("the leader lock on {} was lost with its database session; trying to take it again", jdbc);
                dropConnection();
            }
            if (connection == null) {
                connection = jdbc.dataSource.getConnection();
                connection.setAutoCommit(true);
            }
            held = jdbc.dialect.tryLeaderLock(connection, key);
            if (!held) {
                dropConnection(); // keep no connection idle while another node leads
            }
            return held;
        } catch (SQLException e) {
            log.warn("could not take or check the leader lock on {}: {}", jdbc, e.toString());
            dropConnection();
            return false;
        }
    }

    @Override
    public synchronized boolean isHeld() {
        return held;
    }

    @Override
    public synchronized void release() {
        if (connection != null && held) {
            try {
                jdbc.dialect.releaseLeaderLock(connection, key);
            } catch (SQLException e) {
                // A pooled connection given back would keep its session, and the lock with it: end the session.
                log.debug("releasing the leader lock on {} failed; ending its session instead", jdbc, e);
                if (jdbc.dataSource instanceof com.zaxxer.hikari.HikariDataSource pool) {
                    pool.evictConnection(connection);
                    connection = null;
                }
            }
        }
        dropConnection();
    }

    private void dropConnection() {
        held = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("closing the leader lock's connection failed", e);
            }
            connection = null;
        }
    }
}
