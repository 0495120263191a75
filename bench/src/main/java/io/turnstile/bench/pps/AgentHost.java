package io.turnstile.bench.pps;

import io.turnstile.nativeio.LibC;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one host of the harness's duty cycles: runs a responder's {@link Agent} (Turnstile's {@code VerifierAgent}, the
 * no-crypto and NIO baselines alike) on its own thread with Agrona's {@link AgentRunner} and a busy-spin idle strategy
 * (a flood never lets it idle, and a responder that parks between bursts would measure the scheduler), and waits for
 * the agent to report the port its socket bound, which it does from {@code onStart()} through {@link #bound()}.
 */
final class AgentHost implements AutoCloseable
{
    private static final long START_TIMEOUT_S = 10;

    private final CompletableFuture<Integer> bound = new CompletableFuture<>();
    private AgentRunner runner;

    /**
     * Pin the calling thread, from an agent's {@code onStart()}.
     *
     * @param cpu the CPU, or -1 for none.
     * @throws IllegalStateException when the kernel refuses.
     */
    static void pin(final int cpu)
    {
        if (cpu >= 0 && LibC.isAvailable())
        {
            final int errno = LibC.pinCurrentThread(cpu);
            if (errno != 0)
            {
                throw new IllegalStateException("sched_setaffinity cpu " + cpu + ": errno " + errno);
            }
        }
    }

    /**
     * Where the agent reports its bound port, or the exception that stopped it.
     *
     * @return the future the agent completes on its thread.
     */
    CompletableFuture<Integer> bound()
    {
        return bound;
    }

    /**
     * Start the agent on a new thread and wait until its socket is bound.
     *
     * @param agent the responder's duty cycle; its {@code onStart()} completes {@link #bound()}.
     * @return the bound port.
     * @throws IllegalStateException when the agent failed to start or did not bind within 10 s.
     */
    int start(final Agent agent)
    {
        runner = new AgentRunner(new BusySpinIdleStrategy(), bound::completeExceptionally, null, agent);
        AgentRunner.startOnThread(runner);
        try
        {
            return bound.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            close();
            throw new IllegalStateException(agent.roleName() + " failed to start: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            close();
            throw new IllegalStateException(agent.roleName() + " did not bind within " + START_TIMEOUT_S + " s", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted starting " + agent.roleName(), ex);
        }
    }

    /**
     * Stop the agent, which closes its socket on its own thread.
     */
    @Override
    public void close()
    {
        if (null != runner)
        {
            runner.close();
        }
    }
}
