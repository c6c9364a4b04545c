package dev.agate.jdbc;

import dev.agate.PageRequest;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A WHERE clause built from conditions, each with the values it binds, in order: the filters of operators'
 * listings and actions, and the position conditions of paging. Positions are (time, id) pairs; "after" is
 * written {@code time >= ? AND (time > ? OR id > ?)}, which every database serves with a range on an index that
 * holds the time then the id (a row-value comparison is not served by MariaDB's). Not thread-safe; built per
 * statement.
 */
final class Conditions {
    /** Binds one value. */
    interface Value {
        void bind(PreparedStatement statement, int index) throws SQLException;
    }

    private final Dialect dialect;
    private final List<String> conditions = new ArrayList<>();
    private final List<Value> values = new ArrayList<>();

    Conditions(Dialect dialect) {
        this.dialect = dialect;
    }

    /** A copy, to add conditions to without changing this one. */
    Conditions copy() {
        Conditions copy = new Conditions(dialect);
        copy.conditions.addAll(conditions);
        copy.values.addAll(values);
        return copy;
    }

    Conditions add(String condition, Value... bound) {
        conditions.add(condition);
        values.addAll(List.of(bound));
        return this;
    }

    Conditions text(String column, String value) {
        return value == null ? this : add(column + " = ?", (s, i) -> s.setString(i, value));
    }

    Conditions time(String condition, Instant value) {
        return value == null ? this : add(condition, (s, i) -> dialect.setTime(s, i, value));
    }

    Conditions ids(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return this;
        }
        List<UUID> list = List.copyOf(ids);
        return add("id IN (" + Jdbc.placeholders(list.size()) + ")", list.stream().map(id -> (Value) (s, i) -> dialect.setUuid(s, i, id))
                .toArray(Value[]::new));
    }

    /** {@code column} contains {@code text}, ignoring case; LIKE's wildcards in the text are only text. */
    Conditions contains(String column, String text) {
        if (text == null) {
            return this;
        }
        String pattern = "%" + text.toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        return add("LOWER(" + column + ") LIKE ? ESCAPE '!'", (s, i) -> s.setString(i, pattern));
    }

    /** Rows after {@code position} in the order of {@code page} ({@code timeColumn}, then id); nothing for a first page. */
    Conditions after(String timeColumn, PageRequest page) {
        PageRequest.Position p = page.after();
        if (p == null) {
            return this;
        }
        String than = page.isNewestFirst() ? "<" : ">";
        return position(timeColumn, than, than, p);
    }

    /** Rows after {@code position}, oldest first: where the next batch of an action starts. */
    Conditions after(String timeColumn, PageRequest.Position position) {
        return position(timeColumn, ">", ">", position);
    }

    /** Rows up to and with {@code last}, oldest first: the end of what an action covers. */
    Conditions upTo(String timeColumn, PageRequest.Position last) {
        return position(timeColumn, "<", "<=", last);
    }

    private Conditions position(String time, String timeThan, String idThan, PageRequest.Position p) {
        if (dialect.rowValues()) {
            return add("(" + time + ", id) " + idThan + " (?, ?)", (s, i) -> dialect.setTime(s, i, p.time()), (s, i) -> dialect.setUuid(s, i, p.id()));
        }
        String edge = timeThan + "=";
        return add(time + " " + edge + " ? AND (" + time + " " + timeThan + " ? OR id " + idThan + " ?)",
                (s, i) -> dialect.setTime(s, i, p.time()), (s, i) -> dialect.setTime(s, i, p.time()), (s, i) -> dialect.setUuid(s, i, p.id()));
    }

    /** " WHERE a AND b", or "" without conditions. */
    String where() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** Binds the values from {@code first}; returns the next index. */
    int bind(PreparedStatement statement, int first) throws SQLException {
        int index = first;
        for (Value value : values) {
            value.bind(statement, index++);
        }
        return index;
    }
}
