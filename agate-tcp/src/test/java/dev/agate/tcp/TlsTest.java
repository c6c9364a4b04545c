package dev.agate.tcp;

import static dev.agate.tcp.Envelopes.batch;
import static dev.agate.tcp.TcpTransportTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.AgateException;
import dev.agate.spi.ReceiveAnswer;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    private static final URI ANY_PORT = URI.create("tcp://127.0.0.1:0");
    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static Path[] server;
    private static Path[] client;

    private final List<TcpTransport> transports = new ArrayList<>();
    private final RecordingReceiver receiver = new RecordingReceiver();

    @BeforeAll
    static void createCertificates() throws Exception {
        certificates = new TestCertificates(dir);
        server = certificates.leaf("server", "127.0.0.1", "localhost");
        client = certificates.leaf("client");
    }

    @AfterEach
    void close() {
        transports.forEach(TcpTransport::close);
    }

    @Test
    void deliversOverTls() throws Exception {
        TcpTransport transport = tls(TcpTls.builder().certificate(server[0], server[1]).trustedCertificates(certificates.ca));
        URI address = transport.listen(ANY_PORT, receiver).address();
        var sent = batch(5);

        assertThat(get(transport.sender(address).send(sent))).isEqualTo(ReceiveAnswer.RECEIVED);
        Envelopes.assertSame(receiver.batches.get(0), sent);
    }

    @Test
    void mutualTlsRefusesASenderWithoutACertificate() throws Exception {
        TcpTransport listening = tls(TcpTls.builder().certificate(server[0], server[1]).trustedCertificates(certificates.ca)
                .requireClientCertificate(true));
        URI address = listening.listen(ANY_PORT, receiver).address();
        TcpTransport anonymous = tls(TcpTls.builder().trustedCertificates(certificates.ca));
        TcpTransport known = tls(TcpTls.builder().certificate(client[0], client[1]).trustedCertificates(certificates.ca));

        assertThatThrownBy(() -> get(anonymous.sender(address).send(batch(1)))).hasCauseInstanceOf(AgateException.class);
        assertThat(receiver.calls()).isZero();
        assertThat(get(known.sender(address).send(batch(1)))).isEqualTo(ReceiveAnswer.RECEIVED);
    }

    @Test
    void refusesAListenerWhoseCertificateNamesAnotherHost() throws Exception {
        Path[] other = certificates.leaf("other", "other.example");
        TcpTransport listening = tls(TcpTls.builder().certificate(other[0], other[1]));
        URI address = listening.listen(ANY_PORT, receiver).address();
        TcpTransport checking = tls(TcpTls.builder().trustedCertificates(certificates.ca));
        TcpTransport trusting = tls(TcpTls.builder().trustedCertificates(certificates.ca).hostnameVerification(false));

        assertThatThrownBy(() -> get(checking.sender(address).send(batch(1)))).hasCauseInstanceOf(AgateException.class);
        assertThat(get(trusting.sender(address).send(batch(1)))).isEqualTo(ReceiveAnswer.RECEIVED);
    }

    @Test
    void failsAPlainSenderToATlsListenerAndTheOtherWayRound() throws Exception {
        TcpTransport secure = tls(TcpTls.builder().certificate(server[0], server[1]).trustedCertificates(certificates.ca));
        TcpTransport plain = new TcpTransport();
        transports.add(plain);
        URI secureAddress = secure.listen(ANY_PORT, receiver).address();
        URI plainAddress = plain.listen(ANY_PORT, receiver).address();

        assertThatThrownBy(() -> get(plain.sender(secureAddress).send(batch(1)))).hasCauseInstanceOf(AgateException.class);
        assertThatThrownBy(() -> get(secure.sender(plainAddress).send(batch(1)))).hasCauseInstanceOf(AgateException.class);
        assertThat(receiver.calls()).isZero();
    }

    @Test
    void refusesConflictingSettings() {
        assertThatThrownBy(() -> TcpTls.builder().requireClientCertificate(true).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs trustedCertificates");
        assertThatThrownBy(() -> TcpTls.builder().trustedCertificates(dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not readable");
        TcpTransport noCertificate = tls(TcpTls.builder().trustedCertificates(certificates.ca));
        assertThatThrownBy(() -> noCertificate.listen(ANY_PORT, receiver))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a certificate");
    }

    private TcpTransport tls(TcpTls.Builder tls) {
        TcpTransport transport = TcpTransport.builder().tls(tls.build()).build();
        transports.add(transport);
        return transport;
    }
}
