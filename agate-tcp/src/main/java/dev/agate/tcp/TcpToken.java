package dev.agate.tcp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A shared-secret token that a sender presents in its handshake and a listener checks before it reads
 * any batch: {@code agate1.ISSUER.ISSUED_AT.NONCE.MAC}, where ISSUER is the base64url (no padding) UTF-8
 * service name, ISSUED_AT the issue time in decimal epoch seconds, NONCE 16 random bytes base64url, and
 * MAC the base64url HMAC-SHA256, keyed with the secret, of the ASCII text before the last dot. A token
 * is valid when its MAC matches (compared in constant time) and it was issued within
 * {@link #maxClockSkew()} of the listener's clock, either way. See docs/wire-protocol.md.
 *
 * <p>One value serves both sides of a transport: senders issue tokens as {@link #issuer()}, listeners
 * accept tokens of any issuer that knows the secret. Without TLS a token can be read off the network and
 * replayed within the skew window: use it together with TLS where that matters. Immutable, thread-safe.
 */
public final class TcpToken {
    private static final String PREFIX = "agate1";
    private static final String HMAC = "HmacSHA256";
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] secret;
    private final String issuer;
    private final Duration maxClockSkew;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private TcpToken(Builder b) {
        this.secret = b.secret.clone();
        this.issuer = b.issuer;
        this.maxClockSkew = b.maxClockSkew;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service name senders put in their tokens. */
    public String issuer() { return issuer; }

    /** How far a token's issue time may be from the listener's clock, either way. Default 2 minutes. */
    public Duration maxClockSkew() { return maxClockSkew; }

    /** A fresh token: issued now, with a new nonce. */
    public String issue() {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        String signed = PREFIX + '.' + ENCODER.encodeToString(issuer.getBytes(StandardCharsets.UTF_8)) + '.'
                + clock.instant().getEpochSecond() + '.' + ENCODER.encodeToString(nonce);
        return signed + '.' + ENCODER.encodeToString(mac(signed));
    }

    /**
     * Checks {@code token}: its MAC first, then its age.
     *
     * @return the issuer it names
     * @throws IllegalArgumentException saying why it is not valid (missing, malformed, bad MAC, expired, from the future)
     */
    public String verify(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("missing");
        }
        int lastDot = token.lastIndexOf('.');
        String[] parts = token.split("\\.", -1);
        if (parts.length != 5 || !PREFIX.equals(parts[0])) {
            throw new IllegalArgumentException("malformed (expected " + PREFIX + ".ISSUER.ISSUED_AT.NONCE.MAC)");
        }
        byte[] mac = decode(parts[4], "MAC");
        if (!MessageDigest.isEqual(mac, mac(token.substring(0, lastDot)))) {
            throw new IllegalArgumentException("MAC does not match (a different secret?)");
        }
        long issuedAt;
        try {
            issuedAt = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed issue time");
        }
        long age = clock.instant().getEpochSecond() - issuedAt;
        if (Math.abs(age) > maxClockSkew.toSeconds()) {
            throw new IllegalArgumentException((age > 0 ? "expired: issued " + age + " s ago" : "issued " + -age + " s in the future")
                    + ", more than the max clock skew " + maxClockSkew);
        }
        return new String(decode(parts[1], "issuer"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TcpToken{issuer=" + issuer + ", maxClockSkew=" + maxClockSkew + '}';
    }

    private byte[] mac(String signed) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot compute " + HMAC, e);
        }
    }

    private static byte[] decode(String part, String what) {
        try {
            byte[] bytes = DECODER.decode(part);
            if (!what.equals("MAC") || bytes.length == MAC_BYTES) {
                return bytes;
            }
        } catch (IllegalArgumentException e) {
            // the same answer as a wrong length, below
        }
        throw new IllegalArgumentException("malformed " + what);
    }

    /** Builds {@link TcpToken}. Not thread-safe. */
    public static final class Builder {
        private byte[] secret;
        private String issuer;
        private Duration maxClockSkew = Duration.ofMinutes(2);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The shared secret, at least 16 bytes (32 random bytes recommended). Required. */
        public Builder secret(byte[] secret) {
            this.secret = Objects.requireNonNull(secret, "secret").clone();
            return this;
        }

        /** The shared secret as UTF-8 text, at least 16 bytes long. */
        public Builder secret(String secret) {
            return secret(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8));
        }

        /** The service name this side's senders present. Required. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** How far an issue time may be from the listener's clock, either way. Default 2 minutes. */
        public Builder maxClockSkew(Duration maxClockSkew) {
            this.maxClockSkew = Objects.requireNonNull(maxClockSkew, "maxClockSkew");
            return this;
        }

        /** The clock tokens are issued and checked by. Default the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException when the secret or issuer is missing or too short, or the skew is not positive */
        public TcpToken build() {
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("the token secret must be at least 16 bytes but was "
                        + (secret == null ? "not set" : secret.length + " bytes"));
            }
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalArgumentException("the token issuer (this service's name) must be set");
            }
            if (maxClockSkew.isNegative() || maxClockSkew.isZero()) {
                throw new IllegalArgumentException("maxClockSkew must be positive but was " + maxClockSkew);
            }
            return new TcpToken(this);
        }
    }
}
