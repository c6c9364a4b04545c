package dev.agate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox-namastack scenario's side of the contract with benchmarks/namastack: its RESULT line and build files. */
class NamastackOutboxScenarioTest {

    @Test
    void turnsAResultLineIntoARowLabelledNamastack() throws Exception {
        Histogram latencies = new Histogram(3);
        for (long micros = 1; micros <= 100; micros++) {
            latencies.recordValue(micros * 1_000);
        }
        ByteBuffer buffer = ByteBuffer.allocate(latencies.getNeededByteBufferCapacity());
        int length = latencies.encodeIntoCompressedByteBuffer(buffer);
        String histogram = Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
        // The fields NamastackOutboxBenchmark.resultLine prints (the rounded figures are for people).
        String json = "{\"producers\":8,\"messages\":20000,\"elapsedSeconds\":2.000,\"msgsPerSecond\":10000.0,"
                + "\"latencySamples\":100,\"p50Micros\":50.01,\"p99Micros\":99.01,\"maxMicros\":100.03,"
                + "\"cpuSecondsPer10k\":1.5000,\"allocatedBytesPerMessage\":250.0,\"peakHeapMb\":64.0,"
                + "\"elapsedNanos\":2000000000,\"cpuNanos\":3000000000,\"allocatedBytes\":5000000,"
                + "\"peakHeapBytes\":67108864,\"latencyHistogram\":\"" + histogram + "\"}";

        Result result = NamastackOutboxScenario.toResult(8, json);

        assertThat(result.scenario()).isEqualTo("outbox-local postgres namastack").contains("namastack");
        assertThat(result.producers()).isEqualTo(8);
        assertThat(result.messages()).isEqualTo(20_000);
        assertThat(result.messagesPerSecond()).isEqualTo(10_000.0);
        assertThat(result.latencySamples()).isEqualTo(100);
        assertThat(result.p50Micros()).isCloseTo(50.0, within(0.1));
        assertThat(result.p99Micros()).isCloseTo(99.0, within(0.1));
        assertThat(result.cpuSecondsPer10k()).isEqualTo(1.5);
        assertThat(result.allocatedBytesPerMessage()).isEqualTo(250.0);
        assertThat(result.peakHeapMb()).isEqualTo(64.0);
    }

    @Test
    void startsTheModulesJarWithTheClassPathItsBuildWrote(@TempDir Path module) throws Exception {
        Path target = Files.createDirectories(module.resolve("target"));
        Files.writeString(target.resolve("agate-benchmarks-namastack-0.1.0-SNAPSHOT.jar"), "");
        Files.writeString(target.resolve("classpath.txt"), "/m2/a.jar" + java.io.File.pathSeparator + "/m2/b.jar\n");

        assertThat(NamastackOutboxScenario.classPath(module)).containsExactly(
                target.resolve("agate-benchmarks-namastack-0.1.0-SNAPSHOT.jar").toString(), "/m2/a.jar", "/m2/b.jar");
    }

    @Test
    void saysHowToBuildTheModuleWhenItIsNotBuilt(@TempDir Path module) {
        assertThatThrownBy(() -> NamastackOutboxScenario.classPath(module))
                .hasMessageContaining("build the namastack module first");
    }

    @Test
    void findsTheModuleNextToTheHarnessBuild() throws Exception {
        // Tests run from benchmarks/target/test-classes; the harness's classes are in benchmarks/target/classes.
        assertThat(NamastackOutboxScenario.moduleDir().normalize())
                .isEqualTo(Path.of("namastack").toAbsolutePath().normalize());
    }
}
