/**
 * The host: builds the runtime's parts from {@link dev.agate.internal.host.HostConfiguration}, starts
 * them, and closes them in the order the guarantees need ({@link dev.agate.internal.host.AgateRuntime}),
 * and the {@link dev.agate.MessageBus} for callers outside handlers. The top floor: it may use every
 * package below; only {@link dev.agate.AgateHost} uses it, and nothing below holds the host.
 */
package dev.agate.internal.host;
