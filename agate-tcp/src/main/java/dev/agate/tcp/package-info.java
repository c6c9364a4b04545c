/**
 * The {@code tcp://} transport: {@link dev.agate.tcp.TcpTransport} and its TLS ({@link dev.agate.tcp.TcpTls})
 * and token ({@link dev.agate.tcp.TcpToken}) settings. The frames on the wire are specified in
 * docs/wire-protocol.md.
 */
package dev.agate.tcp;
