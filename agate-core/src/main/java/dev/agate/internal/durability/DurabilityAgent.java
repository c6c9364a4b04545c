package dev.agate.internal.durability;

import dev.agate.internal.AgateThreads;
import dev.agate.internal.Lifecycle;
import dev.agate.internal.Observers;
import dev.agate.internal.bus.Dispatcher;
import dev.agate.internal.bus.Endpoints;
import dev.agate.internal.deadletter.DeadLettering;
import dev.agate.internal.storage.DurableStorage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the durability jobs of one host, each at its own interval plus up to 10% jitter, on two threads
 * named {@code agate-durability-N}, and the heartbeat on one of its own, {@code agate-lease}, so that no
 * slow store call of another job delays the renewal of the lease. A job's failure is logged and the job
 * runs again at its next turn; each job keeps its own transactions small. Claiming jobs run only while
 * this node's lease is live.
 *
 * <p>Shutdown is in two steps, in the order the host needs: {@link #stopClaiming()} first (no more
 * envelopes are taken from the store while the host drains), {@link #stop()} at the very end, after the
 * host released what it owns; heartbeats go on until then, so a node that drains slowly is not declared
 * dead.
 */
public final class DurabilityAgent {
    private static final Logger log = LoggerFactory.getLogger(DurabilityAgent.class);

    private final List<DurabilityJob> jobs;
    private final Lifecycle lifecycle;
    /** Run again at once when work for them appeared: a replay, a sender that answers again. */
    private final DurabilityJob incomingRecovery;
    private final DurabilityJob outgoingRecovery;
    private final ScheduledExecutorService threads;
    private final ScheduledExecutorService leaseThread;
    private final java.util.function.BooleanSupplier leaseLive;
    private volatile boolean claiming = true;
    /** Held while a claiming job runs: stopClaiming() waits on it. */
    private final java.util.concurrent.locks.ReentrantLock claims;
    /** Set by start(): before it, a wake-up runs nothing (a host built but not started has no node id to claim with). */
    private volatile boolean started;
    private volatile boolean stopped;

    private DurabilityAgent(List<DurabilityJob> jobs, DurabilityJob incomingRecovery, DurabilityJob outgoingRecovery, Lifecycle lifecycle,
                            java.util.concurrent.locks.ReentrantLock claims, java.util.function.BooleanSupplier leaseLive) {
        this.lifecycle = lifecycle;
        this.claims = claims;
        this.leaseLive = leaseLive;
        ScheduledThreadPoolExecutor lease = new ScheduledThreadPoolExecutor(1, AgateThreads.named("agate-lease"));
        lease.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        lease.setRemoveOnCancelPolicy(true);
        this.leaseThread = lease;
        this.jobs = List.copyOf(jobs);
        this.incomingRecovery = incomingRecovery;
        this.outgoingRecovery = outgoingRecovery;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, AgateThreads.named("agate-durability"));
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.threads = executor;
    }

    /**
     * The agent of one host, not started: heartbeats, the leader's release of dead nodes, recovery of
     * incoming and outgoing envelopes into this host's endpoints, due scheduled envelopes, cleanup, and the
     * write-behind flush.
     */
    public static DurabilityAgent forHost(DurableStorage storage, NodeMembership membership, Endpoints endpoints, Dispatcher dispatcher,
                                   Observers observers, Lifecycle lifecycle, DeadLettering deadLetters) {
        Recovery recovery = new Recovery(storage, endpoints, dispatcher, observers, deadLetters);
        RecoverJob incoming = RecoverJob.incoming(storage, recovery::roomFor, recovery::claimIncoming, recovery::deliverStored);
        RecoverJob outgoing = RecoverJob.outgoing(storage, recovery::senderRoom, recovery::deliverOutgoing);
        java.util.concurrent.locks.ReentrantLock claims = new java.util.concurrent.locks.ReentrantLock();
        // Dropping what a dead incarnation held waits a moment for a claim under way, so that what it claims is dropped
        // too; not longer (a claim may hang on a connection that died): a worker drops what a dead incarnation took anyway.
        java.util.function.IntSupplier dropInMemory = () -> {
            boolean locked = false;
            try {
                locked = claims.tryLock(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                return recovery.dropInMemory();
            } finally {
                if (locked) {
                    claims.unlock();
                }
            }
        };
        DurabilityAgent[] agent = new DurabilityAgent[1];
        Runnable wakeRecovery = () -> {
            agent[0].wakeIncomingRecovery();
            agent[0].wakeOutgoingRecovery();
        };
        agent[0] = new DurabilityAgent(List.of(
                new HeartbeatJob(storage, membership, dropInMemory),
                new LeaderJob(storage, membership, wakeRecovery),
                incoming,
                outgoing,
                new FireScheduledJob(storage, recovery::deliverStored),
                new CleanupJob(storage),
                new FlushHandledMarksJob(storage)), incoming, outgoing, lifecycle, claims, storage.lease()::isLive);
        return agent[0];
    }

    public void start() {
        started = true;
        // First runs come quickly, so a restarted node picks up its work at once.
        jobs.forEach(job -> schedule(job, Duration.ofMillis(ThreadLocalRandom.current().nextLong(10, 100))));
    }

    private void schedule(DurabilityJob job, Duration delay) {
        if (stopped) {
            return;
        }
        try {
            (job.ownThread() ? leaseThread : threads).schedule(() -> runOnce(job), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private void runOnce(DurabilityJob job) {
        if (stopped) {
            return;
        }
        runLogged(job);
        long interval = job.interval().toNanos();
        schedule(job, Duration.ofNanos(interval + ThreadLocalRandom.current().nextLong(interval / 10 + 1)));
    }

    /**
     * Runs a job once; a claiming job under the claim lock, unless claims have stopped or the host met a
     * fatal error. A failure is logged and the job runs again at its next time: whatever it throws, an Error
     * included, must not end its schedule (a scheduled task that throws is never run again, silently). A
     * VirtualMachineError also makes the host stop taking work, loudly.
     */
    private void runLogged(DurabilityJob job) {
        try {
            if (!job.claims()) {
                job.run();
                return;
            }
            claims.lock();
            try {
                if (claiming && lifecycle.isTakingWork() && leaseLive.getAsBoolean()) {
                    job.run();
                }
            } finally {
                claims.unlock();
            }
        } catch (RuntimeException e) {
            log.warn("durability job '{}' failed; it runs again in {}: {}", job.name(), job.interval(), e.getMessage());
            log.debug("durability job '{}' failure", job.name(), e);
        } catch (Error e) {
            if (!lifecycle.failIfFatal("durability job '" + job.name() + "'", e)) {
                log.error("durability job '{}' failed with an error; it runs again in {}", job.name(), job.interval(), e);
            }
        }
    }

    /** Runs the recovery of incoming envelopes soon: replayed dead letters wait in the inbox. */
    public void wakeIncomingRecovery() {
        runSoon(incomingRecovery);
    }

    /** Runs the firing of due scheduled envelopes soon: a person rescheduled some to now. */
    public void wakeScheduled() {
        jobs.stream().filter(FireScheduledJob.class::isInstance).findFirst().ifPresent(this::runSoon);
    }

    /** Runs the recovery of outgoing envelopes soon: a sender whose destination answers again has room. */
    public void wakeOutgoingRecovery() {
        runSoon(outgoingRecovery);
    }

    private void runSoon(DurabilityJob job) {
        if (started && !stopped) {
            try {
                threads.execute(() -> {
                    if (!stopped) {
                        runLogged(job);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        }
    }

    /**
     * No more claims from the store; waits for a claiming job under way to end, so that nothing is claimed
     * after this returns. Jobs that do not claim go on.
     */
    public void stopClaiming() {
        claiming = false;
        claims.lock();
        claims.unlock();
    }

    /** Stops every job and waits up to 5 seconds for a running one to end. */
    public void stop() {
        stopped = true;
        threads.shutdownNow();
        leaseThread.shutdownNow();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS) || !leaseThread.awaitTermination(1, TimeUnit.SECONDS)) {
                log.warn("a durability job did not end within 5 s of the host closing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
