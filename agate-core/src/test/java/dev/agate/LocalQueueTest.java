package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocalQueueTest {

    @Test
    void sequentialMeansOneWorker() {
        LocalQueue queue = LocalQueue.builder("orders").sequential().build();
        assertThat(queue.maximumParallelism()).isEqualTo(1);
        assertThat(queue.uri()).hasToString("local://orders");
    }

    @Test
    void rejectsSequentialWithParallelismAboveOne() {
        assertThatThrownBy(() -> LocalQueue.builder("orders").sequential().maximumParallelism(4).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sequential conflicts with maximumParallelism 4");
    }

    @Test
    void rejectsBadNamesAndSizes() {
        assertThatThrownBy(() -> LocalQueue.builder("has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'has space'");
        assertThatThrownBy(() -> LocalQueue.builder("q").capacity(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be >= 1 but was 0");
        assertThatThrownBy(() -> LocalQueue.builder("q").maximumParallelism(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumParallelism must be >= 1 but was 0");
    }

    @Test
    void aDurableQueueWithoutAnyStoreFailsTheBuildAndSaysWhatToAdd() {
        LocalQueue durable = LocalQueue.builder("q").durable().build();
        assertThat(durable.mode()).isEqualTo(EndpointMode.DURABLE);
        // agate-core alone has no store provider on its class path
        assertThatThrownBy(() -> AgateHost.builder().serviceName("lonely").localQueue(durable).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("host 'lonely' has durable endpoints but no message store")
                .hasMessageContaining("agate-jdbc");
    }
}
