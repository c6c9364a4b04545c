package dev.agate.tcp;

import static dev.agate.tcp.Envelopes.batch;
import static dev.agate.tcp.TcpTransportTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.AgateException;
import dev.agate.spi.ReceiveAnswer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenTest {
    private static final String SECRET = "a shared secret of 32 bytes ....";
    private final List<TcpTransport> transports = new ArrayList<>();
    private final RecordingReceiver receiver = new RecordingReceiver();
    private URI address;

    @BeforeEach
    void listen() {
        address = transport(TcpToken.builder().secret(SECRET).issuer("ponger")).listen(URI.create("tcp://127.0.0.1:0"), receiver).address();
    }

    @AfterEach
    void close() {
        transports.forEach(TcpTransport::close);
    }

    @Test
    void acceptsAValidToken() throws Exception {
        TcpTransport sender = transport(TcpToken.builder().secret(SECRET).issuer("pinger"));
        assertThat(get(sender.sender(address).send(batch(2)))).isEqualTo(ReceiveAnswer.RECEIVED);
    }

    @Test
    void refusesAMissingToken() {
        assertRefused(transport(null), "invalid token: missing");
    }

    @Test
    void refusesATokenWithAnotherSecret() {
        assertRefused(transport(TcpToken.builder().secret("another secret of 32 bytes .....").issuer("pinger")),
                "invalid token: MAC does not match");
    }

    @Test
    void refusesAnExpiredToken() {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        assertRefused(transport(TcpToken.builder().secret(SECRET).issuer("pinger").clock(past)), "invalid token: expired: issued 60");
    }

    @Test
    void refusesATokenFromTheFutureAndMalformedOnes() {
        TcpToken token = TcpToken.builder().secret(SECRET).issuer("pinger").build();
        TcpToken ahead = TcpToken.builder().secret(SECRET).issuer("pinger")
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5))).build();
        String valid = token.issue();

        assertThat(token.verify(valid)).isEqualTo("pinger");
        assertThatThrownBy(() -> token.verify(ahead.issue())).hasMessageContaining("in the future");
        assertThatThrownBy(() -> token.verify("agate1.x.y")).hasMessageContaining("malformed");
        assertThatThrownBy(() -> token.verify(valid.substring(0, valid.length() - 2))).hasMessageContaining("malformed MAC");
        String[] parts = valid.split("\\.");
        String otherIssuer = String.join(".", parts[0], "cG9uZ2Vy", parts[2], parts[3], parts[4]);
        assertThatThrownBy(() -> token.verify(otherIssuer)).hasMessageContaining("MAC does not match");
        assertThatThrownBy(() -> TcpToken.builder().secret("short").issuer("x").build()).hasMessageContaining("at least 16 bytes");
    }

    private void assertRefused(TcpTransport transport, String reason) {
        assertThatThrownBy(() -> get(transport.sender(address).send(batch(1))))
                .hasCauseInstanceOf(AgateException.class).hasMessageContaining("refused the connection: " + reason);
        assertThatThrownBy(() -> get(transport.sender(address).ping())).hasMessageContaining(reason);
        assertThat(receiver.calls()).isZero();
    }

    private TcpTransport transport(TcpToken.Builder token) {
        TcpTransport transport = TcpTransport.builder().token(token == null ? null : token.build()).build();
        transports.add(transport);
        return transport;
    }
}
