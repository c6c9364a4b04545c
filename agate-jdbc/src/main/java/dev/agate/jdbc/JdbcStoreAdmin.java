package dev.agate.jdbc;

import dev.agate.spi.StoreAdmin;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts, a release of everything, and a clear-out for tests, over the store's tables. */
final class JdbcStoreAdmin implements StoreAdmin {
    private final Jdbc jdbc;
    private final SchemaNames names;

    JdbcStoreAdmin(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.names = jdbc.names;
    }

    @Override
    public Counts counts() {
        return jdbc.inTransaction("counting envelopes", c -> {
            long incoming = 0;
            long scheduled = 0;
            long handled = 0;
            Map<Integer, Long> incomingByOwner = new TreeMap<>();
            try (PreparedStatement query = c.prepareStatement("SELECT status, owner_id, COUNT(*) FROM " + names.incoming()
                    + " GROUP BY status, owner_id"); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long count = rows.getLong(3);
                    switch (rows.getString(1)) {
                        case JdbcInbox.INCOMING -> {
                            incoming += count;
                            incomingByOwner.merge(rows.getInt(2), count, Long::sum);
                        }
                        case JdbcInbox.SCHEDULED -> scheduled += count;
                        default -> handled += count;
                    }
                }
            }
            long outgoing = 0;
            Map<Integer, Long> outgoingByOwner = new TreeMap<>();
            try (PreparedStatement query = c.prepareStatement("SELECT owner_id, COUNT(*) FROM " + names.outgoing() + " GROUP BY owner_id");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    outgoing += rows.getLong(2);
                    outgoingByOwner.put(rows.getInt(1), rows.getLong(2));
                }
            }
            long deadLetters;
            try (PreparedStatement query = c.prepareStatement("SELECT COUNT(*) FROM " + names.deadLetters());
                 ResultSet rows = query.executeQuery()) {
                rows.next();
                deadLetters = rows.getLong(1);
            }
            return new Counts(incoming, scheduled, handled, outgoing, deadLetters, incomingByOwner, outgoingByOwner);
        });
    }

    @Override
    public java.util.Set<Integer> owners() {
        return jdbc.inTransaction("listing owners", c -> {
            java.util.Set<Integer> owners = new java.util.TreeSet<>();
            for (String sql : List.of("SELECT DISTINCT owner_id FROM " + names.incoming() + " WHERE status = '" + JdbcInbox.INCOMING + "'",
                    "SELECT DISTINCT owner_id FROM " + names.outgoing())) {
                try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        owners.add(rows.getInt(1));
                    }
                }
            }
            return owners;
        });
    }

    @Override
    public int releaseAll() {
        return jdbc.inTransaction("releasing every envelope to any node", c -> {
            int changed;
            try (PreparedStatement update = c.prepareStatement("UPDATE " + names.incoming() + " SET owner_id = 0 WHERE owner_id <> 0 AND status <> '"
                    + JdbcInbox.HANDLED + "'")) {
                changed = update.executeUpdate();
            }
            try (PreparedStatement update = c.prepareStatement("UPDATE " + names.outgoing() + " SET owner_id = 0 WHERE owner_id <> 0")) {
                changed += update.executeUpdate();
            }
            return changed;
        });
    }

    @Override
    public void clearAll() {
        jdbc.inTransaction("clearing every Agate table", c -> {
            for (String table : List.of(names.incoming(), names.outgoing(), names.deadLetters(), names.nodes())) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table)) {
                    delete.executeUpdate();
                }
            }
            return null;
        });
    }
}
