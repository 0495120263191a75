package io.turnstile.nativeio;

import org.agrona.concurrent.IdleStrategy;

import java.util.function.IntConsumer;

/**
 * Idles a worker by blocking in {@code poll(2)} on its own socket: after a few empty duty cycles the thread sleeps
 * in the kernel until a datagram arrives (or a timeout passes), and the kernel wakes it exactly then.
 * <p>
 * Why not Agrona's {@code BackoffIdleStrategy}: its spins, yields and growing parks cost a worker 3–5 µs of CPU per
 * reply when datagrams arrive a few microseconds apart (measured at 50–200 k replies/s in {@code scripts/bench --xdp}),
 * and a park of up to its maximum delays the first datagram after a quiet spell by as much. Blocking on the socket
 * costs one system call and one wake-up per quiet spell, leaves the core to whatever else runs there (the NIC's
 * receive work, when it shares the worker's core), and answers the next datagram as soon as it arrives. The timeout
 * bounds how long work that does not come through the socket waits: replies another thread queued in the worker's
 * outbox, a shared agent's timers.
 * <p>
 * The wait is given as an {@link IntConsumer} taking the timeout in milliseconds, normally
 * {@link VerifierAgent#awaitWork(int)}, which returns at once while replies are still queued for sending.
 */
public final class SocketIdleStrategy implements IdleStrategy
{
    /** Name of this strategy for logs and counters. */
    public static final String ALIAS = "socket-poll";
    /** Default empty duty cycles spun before blocking: each one is itself a receive system call. */
    public static final int DEFAULT_SPINS = 8;
    /** Default longest block, milliseconds: the latency bound for work that does not come through the socket. */
    public static final int DEFAULT_TIMEOUT_MS = 1;
    /** Default yields after the spins when the last duty cycle was busy: see {@link #DEFAULT_BUSY_WORK}. */
    public static final int DEFAULT_YIELDS = 16;
    /** Default work count of a duty cycle that counts as busy: a batch of 16 datagrams received and answered. */
    public static final int DEFAULT_BUSY_WORK = 32;

    private final int maxSpins;
    private final int maxYields;
    private final int busyWork;
    private final int timeoutMs;
    private final IntConsumer await;
    private int spins;
    private int yields;
    private boolean busy;

    /**
     * An idle strategy that spins {@code maxSpins} empty cycles, yields up to {@code maxYields} times when the last
     * duty cycle did at least {@code busyWork} work, then waits on the socket.
     * <p>
     * Why the yields: under a flood, when the NIC's receive work shares the worker's core, a worker that sleeps each
     * time it empties its ring hands the core to the receive work until that runs out of its slice, which then fills
     * the ring faster than the worker drains it and drops at the ring what it already paid to copy. Yielding keeps
     * the worker runnable, so the scheduler alternates the two; when traffic is light (the last cycle was small) the
     * worker goes to sleep at once, where yields would only burn CPU.
     *
     * @param maxSpins  empty duty cycles before yielding or blocking, 0 or more.
     * @param maxYields yields after the spins when busy, 0 or more.
     * @param busyWork  work count of the last non-empty duty cycle from which it counts as busy, at least 1.
     * @param timeoutMs longest block in milliseconds, at least 1.
     * @param await     blocks for up to its argument in milliseconds until the socket has something to receive.
     */
    public SocketIdleStrategy(
        final int maxSpins, final int maxYields, final int busyWork, final int timeoutMs, final IntConsumer await)
    {
        if (maxSpins < 0)
        {
            throw new IllegalArgumentException("maxSpins must be 0 or more, got " + maxSpins);
        }
        if (maxYields < 0)
        {
            throw new IllegalArgumentException("maxYields must be 0 or more, got " + maxYields);
        }
        if (busyWork < 1)
        {
            throw new IllegalArgumentException("busyWork must be at least 1, got " + busyWork);
        }
        if (timeoutMs < 1)
        {
            throw new IllegalArgumentException("timeoutMs must be at least 1, got " + timeoutMs);
        }
        if (null == await)
        {
            throw new NullPointerException("await");
        }
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.busyWork = busyWork;
        this.timeoutMs = timeoutMs;
        this.await = await;
    }

    /**
     * The defaults: {@value #DEFAULT_SPINS} spins, {@value #DEFAULT_YIELDS} yields after a duty cycle of at least
     * {@value #DEFAULT_BUSY_WORK}, then blocks of up to {@value #DEFAULT_TIMEOUT_MS} ms.
     *
     * @param await blocks for up to its argument in milliseconds until the socket has something to receive.
     */
    public SocketIdleStrategy(final IntConsumer await)
    {
        this(DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_BUSY_WORK, DEFAULT_TIMEOUT_MS, await);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            spins = 0;
            yields = 0;
            busy = workCount >= busyWork;
        }
        else
        {
            idle();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void idle()
    {
        if (spins < maxSpins)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (busy && yields < maxYields)
        {
            yields++;
            Thread.yield();
        }
        else
        {
            await.accept(timeoutMs);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
        busy = false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String alias()
    {
        return ALIAS;
    }

    /**
     * Empty cycles spun before blocking.
     *
     * @return the count.
     */
    public int maxSpins()
    {
        return maxSpins;
    }

    /**
     * Yields after the spins when the last duty cycle was busy.
     *
     * @return the count.
     */
    public int maxYields()
    {
        return maxYields;
    }

    /**
     * Work count from which a duty cycle counts as busy.
     *
     * @return the count.
     */
    public int busyWork()
    {
        return busyWork;
    }

    /**
     * Longest block.
     *
     * @return milliseconds.
     */
    public int timeoutMs()
    {
        return timeoutMs;
    }
}
