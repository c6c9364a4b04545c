package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.ErrorPolicy.Action.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrorPolicyTest {

    @Test
    void defaultsRetryTwiceThenDeadLetter() {
        ErrorPolicy policy = ErrorPolicy.defaults();
        assertThat(policy.matches(new IllegalStateException())).isTrue();
        assertThat(policy.actionAfter(1).kind()).isEqualTo(Kind.RETRY_NOW);
        assertThat(policy.actionAfter(2).kind()).isEqualTo(Kind.RETRY_NOW);
        assertThat(policy.actionAfter(3).kind()).isEqualTo(Kind.DEAD_LETTER);
        assertThat(policy.actionAfter(50).kind()).isEqualTo(Kind.DEAD_LETTER);
    }

    @Test
    void indexesActionsByTheAttemptThatFailed() {
        ErrorPolicy policy = ErrorPolicy.on(IOException.class)
                .retry(1)
                .retryWithCooldown(Duration.ofMillis(10), Duration.ofMillis(20))
                .scheduleRetry(Duration.ofSeconds(5))
                .requeue(1)
                .discard();
        assertThat(policy.actionAfter(1)).isEqualTo(new ErrorPolicy.Action(Kind.RETRY_NOW, Duration.ZERO));
        assertThat(policy.actionAfter(2)).isEqualTo(new ErrorPolicy.Action(Kind.RETRY_WITH_COOLDOWN, Duration.ofMillis(10)));
        assertThat(policy.actionAfter(3)).isEqualTo(new ErrorPolicy.Action(Kind.RETRY_WITH_COOLDOWN, Duration.ofMillis(20)));
        assertThat(policy.actionAfter(4)).isEqualTo(new ErrorPolicy.Action(Kind.SCHEDULE_RETRY, Duration.ofSeconds(5)));
        assertThat(policy.actionAfter(5).kind()).isEqualTo(Kind.REQUEUE);
        assertThat(policy.actionAfter(6).kind()).isEqualTo(Kind.DISCARD);
    }

    @Test
    void matchesByTypeIncludingSubclassesOrByPredicate() {
        ErrorPolicy byType = ErrorPolicy.on(IOException.class, IllegalArgumentException.class).deadLetter();
        assertThat(byType.matches(new java.io.FileNotFoundException())).isTrue();
        assertThat(byType.matches(new NumberFormatException())).isTrue();
        assertThat(byType.matches(new UncheckedIOException(new IOException()))).isFalse();

        ErrorPolicy byPredicate = ErrorPolicy.when(t -> t.getCause() instanceof IOException, "caused by I/O").discard();
        assertThat(byPredicate.matches(new UncheckedIOException(new IOException()))).isTrue();
        assertThat(byPredicate.matches(new IllegalStateException())).isFalse();
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertThatThrownBy(() -> ErrorPolicy.onAny().retry(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("times must be >= 1 but was 0");
        assertThatThrownBy(() -> ErrorPolicy.onAny().scheduleRetry())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one delay");
        assertThatThrownBy(() -> ErrorPolicy.onAny().retryWithCooldown(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> ErrorPolicy.defaults().actionAfter(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("failedAttempt must be >= 1 but was 0");
    }
}
