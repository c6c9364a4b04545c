package dev.agate.internal.storage;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The turns between durable handlings and application transactions, on a clock the test moves. */
@Timeout(60)
class HandlingTurnsTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final HandlingTurns turns = new HandlingTurns(clock::get);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch firstGetsIt = new CountDownLatch(1);
    private Thread handling;

    @AfterEach
    void releaseTheHandlings() throws InterruptedException {
        release.countDown();
        firstGetsIt.countDown();
        if (handling != null) {
            handling.join(5_000);
        }
    }

    @Test
    void anApplicationTransactionGoesAtOnceWhenNoHandlingWaits() {
        turns.awaitApplicationTurn();
        assertThat(turns.handling(() -> "connection")).isEqualTo("connection");
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS * 10);
        turns.awaitApplicationTurn(); // the handling got its connection: nothing waits
    }

    @Test
    void anApplicationTransactionGoesAtOnceWhileTheHandlingHasWaitedLessThanItsPatience() throws InterruptedException {
        startHandlingThatWaits();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS - 1);
        turns.awaitApplicationTurn();
    }

    @Test
    void anApplicationTransactionWaitsForAHandlingThatHasWaitedLongUntilItHasItsConnection() throws InterruptedException {
        startHandlingThatWaits();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS);
        Thread application = applicationTransaction();
        awaitWaiting(application);
        release.countDown(); // the handling has its connection
        application.join(5_000);
        assertThat(application.isAlive()).isFalse();
    }

    @Test
    void aHandlingWhoseBorrowFailsNoLongerHoldsTheApplicationBack() throws InterruptedException {
        assertThatThrownBy(() -> turns.handling(() -> {
            clock.addAndGet(HandlingTurns.PATIENCE_NANOS * 2);
            throw new IllegalStateException("the pool is closed");
        })).hasMessage("the pool is closed");
        turns.awaitApplicationTurn();
    }

    @Test
    void twoApplicationTransactionsWaitAndBothGo() throws InterruptedException {
        startHandlingThatWaits();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS);
        Thread one = applicationTransaction();
        Thread two = applicationTransaction();
        awaitWaiting(one);
        awaitWaiting(two);
        release.countDown();
        one.join(5_000);
        two.join(5_000);
        assertThat(one.isAlive() || two.isAlive()).isFalse();
    }

    @Test
    void aHandlingThatBeginsToWaitMeanwhileDoesNotProlongTheWait() throws InterruptedException {
        Thread first = startFirstHandling();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS);
        Thread application = applicationTransaction();
        awaitWaiting(application);
        startHandlingThatWaits(); // begins waiting after the application transaction arrived
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS * 2); // and is overdue too by now
        firstGetsIt.countDown();
        first.join(5_000);
        application.join(5_000);
        assertThat(application.isAlive()).isFalse();
    }

    @Test
    void theEarliestHandlingDecides() throws InterruptedException {
        Thread first = startFirstHandling();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS / 2);
        startHandlingThatWaits(); // waits half as long as the first
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS / 2);
        Thread application = applicationTransaction();
        awaitWaiting(application);
        firstGetsIt.countDown();
        first.join(5_000);
        application.join(5_000); // the second has waited half its patience: application transactions go
        assertThat(application.isAlive()).isFalse();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS / 2);
        Thread next = applicationTransaction(); // now the second is overdue too
        awaitWaiting(next);
        release.countDown();
        next.join(5_000);
        assertThat(next.isAlive()).isFalse();
    }

    @Test
    void anApplicationTransactionIsHeldAtMostItsLimit() throws InterruptedException {
        startHandlingThatWaits(); // never gets a connection in this test
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS);
        Thread application = applicationTransaction();
        awaitWaiting(application);
        clock.addAndGet(HandlingTurns.MOST_HELD_NANOS);
        application.join(5_000);
        assertThat(application.isAlive()).isFalse();
    }

    @Test
    void anInterruptEndsTheWaitAndStaysSet() throws InterruptedException {
        startHandlingThatWaits();
        clock.addAndGet(HandlingTurns.PATIENCE_NANOS);
        boolean[] interrupted = new boolean[1];
        Thread application = new Thread(() -> {
            turns.awaitApplicationTurn();
            interrupted[0] = Thread.currentThread().isInterrupted();
        });
        application.start();
        awaitWaiting(application);
        application.interrupt();
        application.join(5_000);
        assertThat(application.isAlive()).isFalse();
        assertThat(interrupted[0]).isTrue();
    }

    @Test
    void theClockMayWrap() throws InterruptedException {
        AtomicLong nearTheEnd = new AtomicLong(Long.MAX_VALUE - HandlingTurns.PATIENCE_NANOS / 2);
        HandlingTurns wrapping = new HandlingTurns(nearTheEnd::get);
        CountDownLatch waits = new CountDownLatch(1);
        CountDownLatch getsIt = new CountDownLatch(1);
        Thread worker = new Thread(() -> wrapping.handling(() -> {
            waits.countDown();
            waitFor(getsIt);
            return null;
        }));
        worker.start();
        try {
            assertThat(waits.await(5, SECONDS)).isTrue();
            assertThat(wrapping.anyWaiting()).isTrue();
            nearTheEnd.addAndGet(HandlingTurns.PATIENCE_NANOS / 4);
            wrapping.awaitApplicationTurn(); // not yet overdue, just before the wrap
            nearTheEnd.addAndGet(HandlingTurns.PATIENCE_NANOS); // past Long.MAX_VALUE: negative now, and overdue
            Thread application = new Thread(wrapping::awaitApplicationTurn);
            application.start();
            awaitWaiting(application);
            getsIt.countDown();
            application.join(5_000);
            assertThat(application.isAlive()).isFalse();
        } finally {
            getsIt.countDown();
            worker.join(5_000);
        }
        assertThat(wrapping.anyWaiting()).isFalse();
    }

    /** A handling whose borrow waits until {@link #firstGetsIt}. */
    private Thread startFirstHandling() throws InterruptedException {
        CountDownLatch firstWaits = new CountDownLatch(1);
        Thread first = new Thread(() -> turns.handling(() -> {
            firstWaits.countDown();
            waitFor(firstGetsIt);
            return null;
        }));
        first.start();
        assertThat(firstWaits.await(5, SECONDS)).isTrue();
        return first;
    }

    /** A handling whose borrow waits until {@link #release}. */
    private void startHandlingThatWaits() throws InterruptedException {
        CountDownLatch waiting = new CountDownLatch(1);
        handling = new Thread(() -> turns.handling(() -> {
            waiting.countDown();
            waitFor(release);
            return null;
        }));
        handling.start();
        assertThat(waiting.await(5, SECONDS)).isTrue();
    }

    private Thread applicationTransaction() {
        Thread application = new Thread(turns::awaitApplicationTurn);
        application.start();
        return application;
    }

    /** Until {@code application} waits in {@code awaitApplicationTurn}, and is seen there a while later still. */
    private static void awaitWaiting(Thread application) {
        await().atMost(5, SECONDS).until(() -> application.getState() == Thread.State.TIMED_WAITING);
        await().during(100, java.util.concurrent.TimeUnit.MILLISECONDS).atMost(5, SECONDS).until(application::isAlive);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
