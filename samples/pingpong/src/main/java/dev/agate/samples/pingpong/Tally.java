package dev.agate.samples.pingpong;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * What the ledgers say: pings sent, handled and answered, and the duplicates (rows beyond one per id).
 * Exactly once means {@code handledDistinct == sent == answeredDistinct} with no duplicates.
 */
public record Tally(long sent, long handled, long handledDistinct, long answered, long answeredDistinct) {

    public static Tally read(String pingerDb, String pongerDb) throws SQLException {
        try (Connection pinger = DriverManager.getConnection(pingerDb); Connection ponger = DriverManager.getConnection(pongerDb)) {
            return new Tally(Ledger.count(pinger, "SELECT COUNT(*) FROM ping_sent"),
                    Ledger.count(ponger, "SELECT COUNT(*) FROM ping_handled"),
                    Ledger.count(ponger, "SELECT COUNT(DISTINCT ping_id) FROM ping_handled"),
                    Ledger.count(pinger, "SELECT COUNT(*) FROM pong_received"),
                    Ledger.count(pinger, "SELECT COUNT(DISTINCT ping_id) FROM pong_received"));
        }
    }

    public long duplicates() {
        return handled - handledDistinct + answered - answeredDistinct;
    }

    /** Every one of {@code pings} sent, handled once and answered once. */
    public boolean exactlyOnce(long pings) {
        return sent == pings && handled == pings && handledDistinct == pings && answered == pings && answeredDistinct == pings;
    }

    @Override
    public String toString() {
        return "sent=" + sent + " handled=" + handled + " (distinct " + handledDistinct + ") answered=" + answered + " (distinct "
                + answeredDistinct + ") duplicates=" + duplicates();
    }
}
