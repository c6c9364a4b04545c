package dev.agate.tcp;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA and certificates signed by it (EC P-256), written as PEM files into a directory. */
final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    final Path dir;
    final Path ca;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        this.caKeys = keys();
        this.caCert = certificate("CN=Agate Test CA", caKeys, "CN=Agate Test CA", caKeys.getPrivate(), true);
        this.ca = writeCertificate(dir.resolve("ca.pem"), caCert);
    }

    /** Writes NAME.pem and NAME-key.pem for a leaf signed by the CA, naming {@code hosts} (IP addresses or DNS names). */
    Path[] leaf(String name, String... hosts) throws Exception {
        KeyPair keys = keys();
        X509Certificate cert = certificate("CN=" + name, keys, "CN=Agate Test CA", caKeys.getPrivate(), false, hosts);
        return new Path[] {writeCertificate(dir.resolve(name + ".pem"), cert), writeKey(dir.resolve(name + "-key.pem"), keys.getPrivate())};
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, KeyPair keys, String issuer, PrivateKey issuerKey, boolean ca,
            String... hosts) throws IOException, OperatorCreationException, GeneralSecurityException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject), keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (hosts.length > 0) {
            GeneralName[] names = new GeneralName[hosts.length];
            for (int i = 0; i < hosts.length; i++) {
                names[i] = new GeneralName(Character.isDigit(hosts[i].charAt(0)) ? GeneralName.iPAddress : GeneralName.dNSName, hosts[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static Path writeCertificate(Path file, X509Certificate cert) throws Exception {
        return Files.writeString(file, pem("CERTIFICATE", cert.getEncoded()));
    }

    private static Path writeKey(Path file, PrivateKey key) throws IOException {
        return Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
