package dev.agate;

import java.util.List;

/**
 * One page of a listing ({@link PageRequest} says how listings are ordered and paged).
 *
 * @param items      the items of this page, in the order asked for
 * @param total      how many items the whole listing holds (every page of the filter), counted when this page
 *                   was read; rows added or removed later change it
 * @param nextCursor where the next page starts ({@link PageRequest#after(String, int)}); null on the last page
 */
public record Page<T>(List<T> items, long total, String nextCursor) {
    public Page {
        items = List.copyOf(items);
        if (total < 0) {
            throw new IllegalArgumentException("total must be >= 0 but was " + total);
        }
    }

    /** Whether another page follows. */
    public boolean hasNext() {
        return nextCursor != null;
    }
}
