package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A host whose configuration is refused leaves nothing running behind: the default store is built only once everything checks out. */
class HostBuildTest {
    record Job(int id) {
    }

    static final class BadHandler {
        @Handler
        void on(Job job, String notATransactionResource) {
        }
    }

    @Test
    void aRefusedConfigurationLeavesNoConnectionPoolBehind() throws Exception {
        String previous = System.getProperty("agate.sqlite.file");
        System.setProperty("agate.sqlite.file", Files.createTempDirectory("agate-build").resolve("refused.db").toString());
        try {
            assertThatThrownBy(() -> AgateHost.builder().serviceName("refused").handler(new BadHandler())
                    .localQueue(LocalQueue.builder("Job").durable().build()).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
        } finally {
            if (previous == null) {
                System.clearProperty("agate.sqlite.file");
            } else {
                System.setProperty("agate.sqlite.file", previous);
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("agate-sqlite"));
    }
}
