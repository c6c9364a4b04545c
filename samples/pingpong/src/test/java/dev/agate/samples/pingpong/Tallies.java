package dev.agate.samples.pingpong;

/** Waiting for the ledgers of a Ping/Pong run to settle, as every test of the sample does. */
final class Tallies {
    private Tallies() {
    }

    /**
     * Reads the ledgers until {@code pings} pings were sent, handled and answered, then once more a second
     * later (room for a late duplicate to show), or until 3 minutes passed; returns the last reading. A
     * database that cannot answer for a moment (SQLite's writer, a server restarting) is read again.
     */
    static Tally awaitAll(String pingerDb, String pongerDb, int pings) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        Tally last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                last = Tally.read(pingerDb, pongerDb);
                if (last.sent() == pings && last.answeredDistinct() == pings && last.handledDistinct() == pings) {
                    Thread.sleep(1_000);
                    return Tally.read(pingerDb, pongerDb);
                }
            } catch (java.sql.SQLException unavailable) {
                // read again in a moment
            }
            Thread.sleep(200);
        }
        return last;
    }
}
