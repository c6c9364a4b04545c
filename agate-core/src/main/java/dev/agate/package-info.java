/**
 * Agate's API: build an {@link dev.agate.AgateHost}, send through its {@link dev.agate.MessageBus}, mark
 * handler methods with {@link dev.agate.Handler}, and shape failures with {@link dev.agate.ErrorPolicy}.
 * Everything under {@code dev.agate.internal} may change without notice.
 */
package dev.agate;
