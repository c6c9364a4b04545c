package dev.agate.tcp;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS settings for a {@link TcpTransport}: one value serves both its listeners and its senders. Immutable.
 *
 * <ul>
 *   <li>A listener presents its certificate ({@link Builder#certificate} as PEM files, or
 *       {@link Builder#keyManager} from a {@link java.security.KeyStore}); with
 *       {@link Builder#requireClientCertificate} it refuses clients without a certificate that its
 *       trusted CAs signed (mutual TLS).</li>
 *   <li>A sender trusts the CAs of {@link Builder#trustedCertificates} or {@link Builder#trustManager}
 *       (the JDK's default trust store when neither is set), checks that the listener's certificate names
 *       the destination's host (on by default), and presents its own certificate when it has one and the
 *       listener asks.</li>
 * </ul>
 * The JDK's TLS provider is used (TLS 1.3 and 1.2). Files are read when the first listener or sender is
 * opened; a file that cannot be read or parsed then fails with an {@link IllegalStateException}.
 */
public final class TcpTls {
    private final Path certificateChain;
    private final Path privateKey;
    private final KeyManagerFactory keyManagerFactory;
    private final Path trustedCertificates;
    private final TrustManagerFactory trustManagerFactory;
    private final boolean requireClientCertificate;
    private final boolean hostnameVerification;

    private TcpTls(Builder b) {
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.keyManagerFactory = b.keyManagerFactory;
        this.trustedCertificates = b.trustedCertificates;
        this.trustManagerFactory = b.trustManagerFactory;
        this.requireClientCertificate = b.requireClientCertificate;
        this.hostnameVerification = b.hostnameVerification;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The PEM file holding this side's certificate chain (leaf first), or null. */
    public Path certificateChain() { return certificateChain; }

    /** The PEM file holding this side's unencrypted PKCS#8 private key, or null. */
    public Path privateKey() { return privateKey; }

    /** This side's key material as a key manager factory, or null. */
    public KeyManagerFactory keyManagerFactory() { return keyManagerFactory; }

    /** The PEM file of CA certificates this side trusts, or null. */
    public Path trustedCertificates() { return trustedCertificates; }

    /** The trust manager factory this side trusts with, or null. */
    public TrustManagerFactory trustManagerFactory() { return trustManagerFactory; }

    /** Whether a listener requires clients to present a trusted certificate. Default false. */
    public boolean requireClientCertificate() { return requireClientCertificate; }

    /** Whether a sender checks that the listener's certificate names the destination host. Default true. */
    public boolean hostnameVerification() { return hostnameVerification; }

    /** Builds {@link TcpTls}. Not thread-safe. */
    public static final class Builder {
        private Path certificateChain;
        private Path privateKey;
        private KeyManagerFactory keyManagerFactory;
        private Path trustedCertificates;
        private TrustManagerFactory trustManagerFactory;
        private boolean requireClientCertificate;
        private boolean hostnameVerification = true;

        private Builder() {
        }

        /** This side's certificate chain and unencrypted PKCS#8 key, as PEM files. */
        public Builder certificate(Path certificateChainPem, Path privateKeyPem) {
            this.certificateChain = readable(certificateChainPem, "certificate chain");
            this.privateKey = readable(privateKeyPem, "private key");
            return this;
        }

        /** This side's key material (from a key store, say), instead of {@link #certificate}. */
        public Builder keyManager(KeyManagerFactory keyManagerFactory) {
            this.keyManagerFactory = keyManagerFactory;
            return this;
        }

        /** The CA certificates to trust, as a PEM file. */
        public Builder trustedCertificates(Path caCertificatesPem) {
            this.trustedCertificates = readable(caCertificatesPem, "trusted certificates");
            return this;
        }

        /** The trust to use (from a trust store, say), instead of {@link #trustedCertificates}. */
        public Builder trustManager(TrustManagerFactory trustManagerFactory) {
            this.trustManagerFactory = trustManagerFactory;
            return this;
        }

        /** Listeners refuse clients without a certificate signed by a trusted CA (mutual TLS). Default false. */
        public Builder requireClientCertificate(boolean require) {
            this.requireClientCertificate = require;
            return this;
        }

        /** Senders check the listener's certificate against the destination host. Default true. */
        public Builder hostnameVerification(boolean verify) {
            this.hostnameVerification = verify;
            return this;
        }

        /** @throws IllegalStateException when settings conflict or client certificates are required with no trust set */
        public TcpTls build() {
            if (certificateChain != null && keyManagerFactory != null) {
                throw new IllegalStateException("set either certificate(...) or keyManager(...), not both");
            }
            if (trustedCertificates != null && trustManagerFactory != null) {
                throw new IllegalStateException("set either trustedCertificates(...) or trustManager(...), not both");
            }
            if (requireClientCertificate && trustedCertificates == null && trustManagerFactory == null) {
                throw new IllegalStateException("requireClientCertificate(true) needs trustedCertificates(...) or trustManager(...)"
                        + " to check client certificates against");
            }
            return new TcpTls(this);
        }

        private static Path readable(Path file, String what) {
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException(what + " file " + file + " is not readable");
            }
            return file;
        }
    }
}
