package dev.agate;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Which page of a listing to read: how many items, in which order, and from where. Listings are sorted by a
 * time, then by id (dead letters by when they failed, scheduled messages by when they are due, the audit by
 * when the action ran), and paged by position, not by offset: the next page starts right after the last item
 * of the page before, so items added or removed between two pages make no page skip or repeat an item.
 *
 * <p>The cursor of a {@link Page} is opaque text that carries the position and the order; continue with
 * {@link #after(String, int)}. Ids are ordered as their text is (unsigned, byte by byte), as every store
 * orders them. Immutable.
 */
public final class PageRequest {
    /** The most items one page may ask for. */
    public static final int MAX_LIMIT = 10_000;
    private static final String VERSION = "p1";

    /** Where an item sits in a listing: its time (failed, due, acted), then its id. */
    public record Position(Instant time, UUID id) implements Comparable<Position> {
        /** Oldest first, then by id as text. */
        public static final Comparator<Position> ORDER = Comparator.comparing(Position::time)
                .thenComparing(Position::id, (a, b) -> {
                    int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
                    return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
                });

        public Position {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(id, "id");
        }

        @Override
        public int compareTo(Position other) {
            return ORDER.compare(this, other);
        }
    }

    private final int limit;
    private final boolean newestFirst;
    private final Position after;

    private PageRequest(int limit, boolean newestFirst, Position after) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("a page holds 1 to " + MAX_LIMIT + " items, not " + limit);
        }
        this.limit = limit;
        this.newestFirst = newestFirst;
        this.after = after;
    }

    /** The first page, oldest first. */
    public static PageRequest first(int limit) {
        return new PageRequest(limit, false, null);
    }

    /** The first page, newest first. */
    public static PageRequest newestFirst(int limit) {
        return new PageRequest(limit, true, null);
    }

    /**
     * The page after the one whose {@link Page#nextCursor()} is {@code cursor}, in that page's order.
     *
     * @throws IllegalArgumentException when {@code cursor} is not a cursor of a page, or {@code limit} is out of range
     */
    public static PageRequest after(String cursor, int limit) {
        Objects.requireNonNull(cursor, "cursor");
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badCursor(cursor);
        }
        String[] parts = text.split(":", -1);
        if (parts.length != 5 || !parts[0].equals(VERSION) || !(parts[1].equals("a") || parts[1].equals("d"))) {
            throw badCursor(cursor);
        }
        try {
            Position position = new Position(Instant.ofEpochSecond(Long.parseLong(parts[2]), Long.parseLong(parts[3])), UUID.fromString(parts[4]));
            return new PageRequest(limit, parts[1].equals("d"), position);
        } catch (NumberFormatException | DateTimeException e) {
            throw badCursor(cursor);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("a page holds")) {
                throw e;
            }
            throw badCursor(cursor);
        }
    }

    private static IllegalArgumentException badCursor(String cursor) {
        String shown = cursor.length() > 80 ? cursor.substring(0, 80) + "..." : cursor;
        return new IllegalArgumentException("'" + shown + "' is not a page cursor: pass on the next cursor a listing printed, unchanged");
    }

    /** How many items the page holds at most. */
    public int limit() {
        return limit;
    }

    /** Whether the newest (latest time) comes first. */
    public boolean isNewestFirst() {
        return newestFirst;
    }

    /** The position the page starts after; null for a first page. */
    public Position after() {
        return after;
    }

    /** The same page, holding at most {@code newLimit} items. */
    public PageRequest withLimit(int newLimit) {
        return new PageRequest(newLimit, newestFirst, after);
    }

    /** The order of this page's items. */
    public Comparator<Position> order() {
        return newestFirst ? Position.ORDER.reversed() : Position.ORDER;
    }

    /** Whether an item at {@code position} belongs on this page or later: it comes after the cursor in this order. */
    public boolean includes(Position position) {
        return after == null || order().compare(position, after) > 0;
    }

    /** The cursor of the page that follows an item at {@code last}, in this order. */
    public String cursorAfter(Position last) {
        String text = VERSION + ":" + (newestFirst ? "d" : "a") + ":" + last.time().getEpochSecond() + ":" + last.time().getNano() + ":" + last.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The page, for a store that read up to {@code limit() + 1} items after the cursor, in this order: the first
     * {@code limit()} of them, and a next cursor when there was one more.
     *
     * @param total how many items the whole listing (the filter) holds
     */
    public <T> Page<T> toPage(List<T> fetched, long total, Function<T, Position> position) {
        if (fetched.size() <= limit) {
            return new Page<>(fetched, total, null);
        }
        List<T> items = new ArrayList<>(fetched.subList(0, limit));
        return new Page<>(items, total, cursorAfter(position.apply(items.get(items.size() - 1))));
    }

    /**
     * The page out of every matching item, for a store that holds its rows in memory: sorts them in this order,
     * skips those up to the cursor, and takes {@code limit()}; the total is how many match.
     */
    public <T> Page<T> slice(List<T> matching, Function<T, Position> position) {
        Comparator<Position> order = order();
        List<T> after = matching.stream().filter(item -> includes(position.apply(item)))
                .sorted((a, b) -> order.compare(position.apply(a), position.apply(b))).limit(limit + 1L).toList();
        return toPage(after, matching.size(), position);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PageRequest other && limit == other.limit && newestFirst == other.newestFirst && Objects.equals(after, other.after);
    }

    @Override
    public int hashCode() {
        return Objects.hash(limit, newestFirst, after);
    }

    @Override
    public String toString() {
        return (newestFirst ? "newest" : "oldest") + " first, " + limit + (after == null ? "" : " after " + after.time() + " " + after.id());
    }
}
