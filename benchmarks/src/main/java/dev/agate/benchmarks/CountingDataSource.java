package dev.agate.benchmarks;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that counts the statements its connections run: every {@code execute},
 * {@code executeQuery}, {@code executeUpdate} and {@code executeLargeUpdate} call is one statement, and so
 * is every {@code executeBatch} call, whatever the number of rows batched (one round trip, as the driver
 * sends it); commits and rollbacks are counted apart, and a statement that ends with {@code ; COMMIT} (which
 * pgjdbc sends in one round trip) counts one statement, one commit and one round trip, and the {@code commit()}
 * after it nothing (the driver has nothing left to send). Their sum, less those shared round trips, is the row's round trips
 * ({@link Counts#roundTrips()}); what the pool does on its own (a validation query) and what a driver may send
 * unasked (a {@code SET} for an isolation level) are not counted. Connections and statements are
 * {@link java.lang.reflect.Proxy proxies} over the pool's, so {@code unwrap} and {@code isWrapperFor} still
 * reach the driver. Thread-safe; the counters only grow.
 */
final class CountingDataSource implements DataSource {
    private final DataSource delegate;
    private final boolean counting;
    private final LongAdder statements = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private final LongAdder committingStatements = new LongAdder();

    /** A snapshot of the counters; {@code committingStatements}: statements that carried their COMMIT, counted in both others. */
    record Counts(long statements, long commits, long committingStatements) {
        /** Round trips to the database: each statement (a batch is one) and each commit or rollback not sent with a statement. */
        long roundTrips() {
            return statements + commits - committingStatements;
        }

        Counts minus(Counts earlier) {
            return new Counts(statements - earlier.statements, commits - earlier.commits,
                    committingStatements - earlier.committingStatements);
        }
    }

    CountingDataSource(DataSource delegate) {
        this(delegate, true);
    }

    /**
     * With {@code counting} false, the pool's own connections, unwrapped, and no counts ({@link #counts()} null):
     * the proxies cost a little CPU and allocation per call, which {@code -Dbench.count=false} leaves out.
     */
    CountingDataSource(DataSource delegate, boolean counting) {
        this.delegate = delegate;
        this.counting = counting;
    }

    /** The counts so far; null when this data source does not count. */
    Counts counts() {
        return counting ? new Counts(statements.sum(), commits.sum(), committingStatements.sum()) : null;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return counting ? connection(delegate.getConnection()) : delegate.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return counting ? connection(delegate.getConnection(username, password)) : delegate.getConnection(username, password);
    }

    private Connection connection(Connection target) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                new ConnectionHandler(target));
    }

    private final class ConnectionHandler implements InvocationHandler {
        private final Connection target;
        /** A statement ending with {@code ; COMMIT} ran: the next {@code commit()} sends nothing. */
        private boolean committedByStatement;

        ConnectionHandler(Connection target) {
            this.target = target;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("commit") && committedByStatement) {
                committedByStatement = false;
            } else if (name.equals("commit") || name.equals("rollback")) {
                commits.increment();
            }
            Object result = call(target, method, args);
            if (result instanceof PreparedStatement s && args != null && args[0] instanceof String sql && sql.endsWith("; COMMIT")) {
                return Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, (p, m, a) -> {
                    if (m.getName().startsWith("execute")) {
                        statements.increment();
                        commits.increment();
                        committingStatements.increment();
                        committedByStatement = true;
                    }
                    return call(s, m, a);
                });
            }
            if (result instanceof CallableStatement s) {
                return wrap(s, CallableStatement.class);
            }
            if (result instanceof PreparedStatement s) {
                return wrap(s, PreparedStatement.class);
            }
            if (result instanceof Statement s) {
                return wrap(s, Statement.class);
            }
            return result;
        }
    }

    private Object wrap(Statement target, Class<?> type) {
        return Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().startsWith("execute")) {
                statements.increment();
            }
            return call(target, method, args);
        });
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(delegate) ? iface.cast(delegate) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(delegate) || delegate.isWrapperFor(iface);
    }
}
