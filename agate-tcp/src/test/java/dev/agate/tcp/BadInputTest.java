package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.spi.EnvelopeCodec;
import dev.agate.tcp.internal.TcpListener;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Misbehaving peers on raw sockets against a real listener. In each case the offending connection is
 * answered or closed with a reason while a good sender on another connection loses nothing.
 */
class BadInputTest {
    private final TcpTransport transport = TcpTransport.builder()
            .handshakeTimeout(Duration.ofMillis(600))
            .frameTimeout(Duration.ofMillis(500))
            .idleTimeout(Duration.ofMillis(800))
            .maxFrameSize(64 * 1024)
            .build();
    private final RecordingReceiver receiver = new RecordingReceiver();
    private TcpListener listener;
    private GoodSender good;

    @BeforeEach
    void start() {
        listener = (TcpListener) transport.listen(java.net.URI.create("tcp://127.0.0.1:0"), receiver);
        good = new GoodSender(transport.sender(listener.address()));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            good.assertAllDelivered(receiver);
            await().until(() -> listener.connectionCount() == 1);
        } finally {
            good.close();
            transport.close();
        }
    }

    @Test
    void closesOnRandomBytes() throws Exception {
        long seed = System.nanoTime();
        System.out.println("closesOnRandomBytes seed=" + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[1 + random.nextInt(2000)];
            random.nextBytes(garbage);
            boolean handshakeFirst = i % 2 == 0;
            try (RawPeer peer = new RawPeer(listener.address())) {
                if (handshakeFirst) {
                    peer.handshake();
                }
                try {
                    peer.write(garbage);
                } catch (IOException closedAlready) {
                    // the listener may close before all the garbage is written
                }
                peer.awaitClosed();
            }
        }
        assertThat(receiver.batches).allSatisfy(b -> assertThat(b).hasSize(5));
    }

    @Test
    void refusesAbsurdAndNegativeLengths() throws Exception {
        for (int length : new int[] {0x7fffffff, -1, 0, 64 * 1024 + 1}) {
            try (RawPeer peer = new RawPeer(listener.address()).handshake()) {
                peer.out.writeInt(length);
                peer.out.writeByte(0x10);
                peer.out.flush();
                assertThat(peer.awaitClosed()).contains("frame length " + length);
            }
        }
        try (RawPeer peer = new RawPeer(listener.address())) {
            peer.out.writeInt(100_000);
            peer.out.flush();
            assertThat(peer.awaitClosed()).contains("frame length 100000 is over the limit 8192");
        }
    }

    @Test
    void dropsATruncatedFrame() throws Exception {
        byte[] batch = RawPeer.batchOf(77, Envelopes.batch(3));
        try (RawPeer peer = new RawPeer(listener.address()).handshake()) {
            peer.write(Arrays.copyOf(batch, batch.length / 2));
        }
        await().until(() -> listener.connectionCount() == 1);
        assertThat(receiver.batches).allSatisfy(b -> assertThat(b).hasSize(5));
    }

    @Test
    void cutsOffAPeerTricklingBytes() throws Exception {
        byte[] batch = RawPeer.batchOf(1, Envelopes.batch(1));
        try (RawPeer peer = new RawPeer(listener.address()).handshake()) {
            Thread trickler = new Thread(() -> {
                try {
                    for (byte b : batch) {
                        peer.write(new byte[] {b});
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException closed) {
                    // cut off, as it should be
                }
            });
            trickler.start();
            assertThat(peer.awaitClosed()).contains("not complete within the frame timeout");
            trickler.join();
        }
    }

    @Test
    void cutsOffASlowHandshake() throws Exception {
        try (RawPeer peer = new RawPeer(listener.address())) {
            peer.write(Arrays.copyOf(RawPeer.hello(""), 6));
            assertThat(peer.awaitClosed()).containsAnyOf("not complete within the frame timeout", "no handshake within");
        }
        try (RawPeer peer = new RawPeer(listener.address())) {
            assertThat(peer.awaitClosed()).contains("no handshake within the handshake timeout");
        }
    }

    @Test
    void closesAnHttpClient() throws Exception {
        try (RawPeer peer = new RawPeer(listener.address())) {
            peer.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(peer.awaitClosed()).contains("over the limit").contains("'GET / HT'");
        }
    }

    @Test
    void closesAnIdleConnection() throws Exception {
        try (RawPeer peer = new RawPeer(listener.address()).handshake()) {
            long start = System.nanoTime();
            assertThat(peer.awaitClosed()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        }
    }

    @Test
    void answersAnUndecodableEnvelopeAndKeepsTheConnection() throws Exception {
        byte[] good = EnvelopeCodec.encode(Envelopes.envelope(1));
        byte[] broken = Arrays.copyOf(good, good.length);
        broken[0] = 9;
        int before = receiver.calls();
        try (RawPeer peer = new RawPeer(listener.address()).handshake()) {
            peer.write(RawPeer.batch(5, List.of(good, broken)));
            RawPeer.RawAnswer answer = peer.readAnswer();
            assertThat(answer.id()).isEqualTo(5);
            assertThat(answer.status()).isEqualTo(1);
            assertThat(answer.reason()).contains("envelope 1 of 2").contains("unknown envelope format version 9");
            assertThat(receiver.batches.stream().skip(before)).allSatisfy(b -> assertThat(b).hasSize(5));

            peer.write(RawPeer.batch(6, List.of(good)));
            assertThat(peer.readAnswer()).isEqualTo(new RawPeer.RawAnswer(6, 0, ""));
        }
    }

    @Test
    void refusesBrokenFrames() throws Exception {
        assertRefused(true, RawPeer.frame((byte) 0x7e, new byte[3]), "unknown frame type 0x7e");
        assertRefused(true, RawPeer.frame(RawPeer.BATCH, payload(1L, 1000, 0)), "declares 1000 envelope(s)");
        assertRefused(true, RawPeer.frame(RawPeer.BATCH, payload(1L, 1, 50)), "declares 50 byte(s)");
        assertRefused(true, RawPeer.hello(""), "unexpected HELLO");
        assertRefused(false, RawPeer.frame((byte) 0x20, payload(1L)), "expected HELLO first");
        byte[] badMagic = RawPeer.hello("");
        badMagic[5] = 'X';
        assertRefused(false, badMagic, "bad magic");
        byte[] badVersion = RawPeer.hello("");
        badVersion[11] = 2;
        badVersion[13] = 3;
        assertRefused(false, badVersion, "unsupported protocol version(s) 2..3");
    }

    private void assertRefused(boolean handshakeFirst, byte[] frame, String reason) throws IOException {
        try (RawPeer peer = new RawPeer(listener.address())) {
            if (handshakeFirst) {
                peer.handshake();
            }
            peer.write(frame);
            assertThat(peer.awaitClosed()).contains(reason);
        }
    }

    private static byte[] payload(Object... fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (Object field : fields) {
            if (field instanceof Long l) {
                out.writeLong(l);
            } else {
                out.writeInt((Integer) field);
            }
        }
        return bytes.toByteArray();
    }
}
