package io.turnstile.bench.pps;

import io.turnstile.nativeio.LibC;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The one host of the harness's duty cycles, and the {@link Responder} of every responder but Netty (which brings
 * its own event loop): runs the responder's {@link Agent} (Turnstile's {@code VerifierAgent}, the no-crypto, NIO and
 * BouncyCastle baselines alike) on its own thread with Agrona's {@link AgentRunner} and a busy-spin idle strategy (a
 * flood never lets it idle, and a responder that parks between bursts would measure the scheduler), and waits for the
 * agent to report the port its socket bound, which it does from {@code onStart()} through {@link #bound()}.
 */
final class AgentHost implements Responder
{
    private static final long START_TIMEOUT_S = 10;

    private final CompletableFuture<Integer> bound = new CompletableFuture<>();
    private final String name;
    private final String description;
    private final Function<AgentHost, Agent> agents;
    private AgentRunner runner;

    /**
     * A responder, not yet started.
     *
     * @param name        as the reports print it.
     * @param description what it does per datagram and how.
     * @param agents      builds the agent, given this host to report its port to.
     */
    AgentHost(final String name, final String description, final Function<AgentHost, Agent> agents)
    {
        this.name = name;
        this.description = description;
        this.agents = agents;
    }

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
     * @return the bound port.
     * @throws IllegalStateException when the agent failed to start or did not bind within 10 s.
     */
    @Override
    public int start()
    {
        final Agent agent = agents.apply(this);
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
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String description()
    {
        return description;
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
