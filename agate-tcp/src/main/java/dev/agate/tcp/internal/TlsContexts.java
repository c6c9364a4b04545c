package dev.agate.tcp.internal;

import dev.agate.tcp.TcpTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/** Builds Netty's TLS contexts (JDK provider) from a {@link TcpTls}. */
public final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * The listener side: its certificate, and the trusted CAs when client certificates are required.
     *
     * @throws IllegalStateException when {@code tls} has no certificate, or its files cannot be read
     */
    public static SslContext server(TcpTls tls) {
        SslContextBuilder builder;
        if (tls.keyManagerFactory() != null) {
            builder = SslContextBuilder.forServer(tls.keyManagerFactory());
        } else if (tls.certificateChain() != null) {
            builder = SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile());
        } else {
            throw new IllegalStateException("a TLS listener needs a certificate: set TcpTls.builder().certificate(...) or keyManager(...)");
        }
        trust(builder, tls);
        builder.clientAuth(tls.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.NONE);
        return build(builder, "listener");
    }

    /** The sender side: the trusted CAs (the JDK's default when none are set) and its own certificate, if any. */
    public static SslContext client(TcpTls tls) {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (tls.keyManagerFactory() != null) {
            builder.keyManager(tls.keyManagerFactory());
        } else if (tls.certificateChain() != null) {
            builder.keyManager(tls.certificateChain().toFile(), tls.privateKey().toFile());
        }
        trust(builder, tls);
        builder.endpointIdentificationAlgorithm(tls.hostnameVerification() ? "HTTPS" : null);
        return build(builder, "sender");
    }

    private static void trust(SslContextBuilder builder, TcpTls tls) {
        if (tls.trustManagerFactory() != null) {
            builder.trustManager(tls.trustManagerFactory());
        } else if (tls.trustedCertificates() != null) {
            builder.trustManager(tls.trustedCertificates().toFile());
        }
    }

    private static SslContext build(SslContextBuilder builder, String side) {
        try {
            return builder.sslProvider(SslProvider.JDK).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot set up TLS for a tcp " + side + ": " + e.getMessage(), e);
        }
    }
}
