package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.tcp.internal.TcpListener;
import io.netty.channel.Channel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A peer that completes the handshake, floods PINGs and never reads the PONGs: the listener must stop
 * reading from it once its outbound buffer is backed up, so what it holds for that peer stays bounded
 * (found by review: 8 MiB of PINGs made it hold 29 MB of PONGs).
 */
class PeerThatNeverReadsTest {

    @Test
    void theListenerHoldsABoundedAmountForAPeerThatNeverReads() throws Exception {
        TcpTransport transport = TcpTransport.builder().build();
        TcpListener listener = (TcpListener) transport.listen(URI.create("tcp://127.0.0.1:0"), batch -> null);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // and it never reads
            socket.connect(new InetSocketAddress("127.0.0.1", listener.address().getPort()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.write(RawPeer.hello(""));
            ByteArrayOutputStream pings = new ByteArrayOutputStream();
            DataOutputStream frames = new DataOutputStream(pings);
            for (long id = 1; id <= 80_000; id++) { // about 1 MiB of 13-byte PING frames
                frames.writeInt(9);
                frames.writeByte(0x20);
                frames.writeLong(id);
            }
            byte[] flood = pings.toByteArray();
            Thread writer = new Thread(() -> {
                try {
                    for (int round = 0; round < 8; round++) {
                        out.write(flood); // blocks once the listener stops reading: that is the point
                    }
                } catch (Exception e) {
                    // the socket was closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(1_500);
            Channel connection = onlyConnection(listener);
            long pending = connection.unsafe().outboundBuffer() == null ? 0 : connection.unsafe().outboundBuffer().totalPendingWriteBytes();
            assertThat(pending).as("bytes the listener holds for a peer that never reads").isLessThan(1 << 20);
        } finally {
            transport.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Channel onlyConnection(TcpListener listener) throws Exception {
        var field = TcpListener.class.getDeclaredField("connections");
        field.setAccessible(true);
        return ((Set<Channel>) field.get(listener)).iterator().next();
    }
}
