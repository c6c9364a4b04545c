package dev.agate.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Envelope;
import dev.agate.spi.EnvelopeCodec;
import dev.agate.spi.ReceiveAnswer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The frame codec and reader: what is written reads back the same; what is not a frame fails only as a ProtocolException. */
class FrameCodecTest {

    @Property(tries = 200)
    void batchesRoundTrip(@ForAll long id, @ForAll("envelopes") List<Envelope> envelopes, @ForAll("chunks") List<Integer> chunks) {
        ByteBuf wire = FrameCodec.encode(new Frame.Batch(id, envelopes));

        Frame decoded = readOne(wire, chunks);

        assertThat(decoded).isInstanceOf(Frame.Batch.class);
        Frame.Batch batch = (Frame.Batch) decoded;
        assertThat(batch.id()).isEqualTo(id);
        assertThat(batch.envelopes()).hasSameSizeAs(envelopes);
        for (int i = 0; i < envelopes.size(); i++) {
            assertThat(EnvelopeCodec.encode(batch.envelopes().get(i))).isEqualTo(EnvelopeCodec.encode(envelopes.get(i)));
        }
    }

    @Property(tries = 200)
    void controlFramesRoundTrip(@ForAll long id, @ForAll ReceiveAnswer.Status status, @ForAll("text") String text,
            @ForAll @IntRange(min = 0, max = 65535) int version, @ForAll @IntRange(min = 1) int maxFrameSize) {
        List<Frame> frames = List.of(new Frame.Hello(version, version, maxFrameSize, text), new Frame.HelloOk(version, maxFrameSize, maxFrameSize / 2),
                new Frame.Refused(text), new Frame.Answer(id, ReceiveAnswer.of(status, text)), new Frame.Ping(id), new Frame.Pong(id));
        for (Frame frame : frames) {
            assertThat(readOne(FrameCodec.encode(frame), List.of())).isEqualTo(frame);
        }
    }

    @Property(tries = 1000)
    void arbitraryBytesFailOnlyAsProtocolErrors(@ForAll @IntRange(min = 0, max = 0x30) int type, @ForAll @Size(max = 300) byte[] payload) {
        ByteBuf frame = Unpooled.buffer().writeByte(type).writeBytes(payload);
        try {
            FrameCodec.decode(frame);
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void mutatedFramesFailOnlyAsProtocolErrors(@ForAll("envelopes") List<Envelope> envelopes, @ForAll("mutations") List<int[]> mutations,
            @ForAll @IntRange(min = 0, max = 100) int cutPercent) {
        ByteBuf wire = FrameCodec.encode(new Frame.Batch(1, envelopes));
        byte[] bytes = new byte[wire.readableBytes() - 4];
        wire.getBytes(4, bytes);
        for (int[] mutation : mutations) {
            int at = Math.floorMod(mutation[0], bytes.length);
            int value = mutation[1];
            for (int b = 0; b < 4 && at + b < bytes.length; b++) {
                bytes[at + b] = (byte) (value >>> (24 - 8 * b));
            }
        }
        int length = cutPercent == 100 ? bytes.length : bytes.length * cutPercent / 100;
        try {
            FrameCodec.decode(Unpooled.wrappedBuffer(bytes, 0, length));
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 500)
    void readerCutsOnlyFramesWithinTheLimit(@ForAll @Size(max = 2000) byte[] stream, @ForAll("chunks") List<Integer> chunks) {
        FrameReader reader = new FrameReader(ByteBufAllocator.DEFAULT, 1024);
        int offset = 0;
        try {
            for (int chunk : withRest(chunks, stream.length)) {
                int n = Math.min(chunk, stream.length - offset);
                reader.add(Unpooled.copiedBuffer(stream, offset, n));
                offset += n;
                for (ByteBuf frame = reader.next(); frame != null; frame = reader.next()) {
                    assertThat(frame.readableBytes()).isBetween(1, 1024);
                    frame.release();
                }
            }
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).startsWith("frame length");
        } finally {
            reader.release();
        }
    }

    /** Feeds the encoded frame to a reader in the given chunk sizes and decodes the one frame that comes out. */
    private static Frame readOne(ByteBuf wire, List<Integer> chunks) {
        FrameReader reader = new FrameReader(ByteBufAllocator.DEFAULT, Integer.MAX_VALUE);
        byte[] bytes = new byte[wire.readableBytes()];
        wire.readBytes(bytes);
        int offset = 0;
        ByteBuf frame = null;
        for (int chunk : withRest(chunks, bytes.length)) {
            assertThat(frame).as("a frame before all its bytes arrived").isNull();
            int n = Math.min(chunk, bytes.length - offset);
            reader.add(Unpooled.copiedBuffer(bytes, offset, n));
            offset += n;
            frame = reader.next();
        }
        assertThat(frame).isNotNull();
        assertThat(reader.hasPartialFrame()).isFalse();
        try {
            return FrameCodec.decode(frame);
        } finally {
            frame.release();
        }
    }

    private static List<Integer> withRest(List<Integer> chunks, int total) {
        List<Integer> all = new ArrayList<>();
        int sum = 0;
        for (int chunk : chunks) {
            if (sum + chunk >= total) {
                break;
            }
            all.add(chunk);
            sum += chunk;
        }
        all.add(total - sum);
        return all;
    }

    @Provide
    Arbitrary<List<Integer>> chunks() {
        return Arbitraries.integers().between(1, 64).list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<List<int[]>> mutations() {
        return Combinators.combine(Arbitraries.integers(), Arbitraries.oneOf(Arbitraries.integers(),
                Arbitraries.of(-1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7fff_fff0))).as((at, value) -> new int[] {at, value})
                .list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> text() {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMaxLength(30);
        return Arbitraries.oneOf(bmp, bmp.map(s -> s + "😀 ünï ✓ 中文"), Arbitraries.just(""));
    }

    @Provide
    Arbitrary<List<Envelope>> envelopes() {
        Arbitrary<String> text = text();
        Arbitrary<String> nonEmpty = text.filter(s -> !s.isEmpty());
        Arbitrary<UUID> ids = Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(UUID::new);
        Arbitrary<Instant> times = Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L).map(Instant::ofEpochSecond);
        Arbitrary<Map<String, String>> headers = Arbitraries.maps(text, text).ofMaxSize(4);
        Arbitrary<Envelope> envelope = Builders.withBuilder(Envelope::builder)
                .use(ids).in(Envelope.Builder::id)
                .use(nonEmpty).in(Envelope.Builder::messageType)
                .use(text.injectNull(0.3)).in(Envelope.Builder::contentType)
                .use(headers).in(Envelope.Builder::headers)
                .use(text.injectNull(0.3)).in(Envelope.Builder::correlationId)
                .use(ids.injectNull(0.3)).in(Envelope.Builder::causationId)
                .use(text.injectNull(0.3)).in(Envelope.Builder::source)
                .use(Arbitraries.of(URI.create("tcp://localhost:2201"), URI.create("local://orders")).injectNull(0.3)).in(Envelope.Builder::destination)
                .use(times.injectNull(0.3)).in(Envelope.Builder::sentAt)
                .use(times.injectNull(0.5)).in(Envelope.Builder::scheduledTime)
                .use(times.injectNull(0.5)).in(Envelope.Builder::deliverBy)
                .use(Arbitraries.integers().between(0, 100)).in(Envelope.Builder::attempts)
                .use(Arbitraries.bytes().array(byte[].class).ofMaxSize(200)).in(Envelope.Builder::body)
                .build(Envelope.Builder::build);
        return envelope.list().ofMaxSize(8);
    }
}
