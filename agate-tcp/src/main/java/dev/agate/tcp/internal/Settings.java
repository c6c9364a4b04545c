package dev.agate.tcp.internal;

import dev.agate.tcp.TcpTls;
import dev.agate.tcp.TcpToken;
import java.time.Duration;

/**
 * The validated settings of one {@code TcpTransport}; see its builder for meanings and defaults.
 *
 * @param tls null for plain TCP
 * @param token null for no token
 */
public record Settings(int maxFrameSize, Duration connectTimeout, Duration answerTimeout, Duration handshakeTimeout,
        Duration frameTimeout, Duration idleTimeout, int ioThreads, TcpTls tls, TcpToken token) {
}
