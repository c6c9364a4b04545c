/** Finding {@code @Handler} methods, checking their signatures, invoking them, and flattening what they return. */
package dev.agate.internal.handlers;
