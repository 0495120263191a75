package io.turnstile.bench.pps;

import io.turnstile.nativeio.LibC;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A pinned thread running a responder's own busy loop (the NIO-based ones, which are not Agrona agents): it binds in
 * {@link Loop#open()}, reports the port, then calls {@link Loop#poll()} until {@link #close()}.
 */
final class LoopThread implements AutoCloseable
{
    private static final long START_TIMEOUT_S = 10;

    /**
     * A responder loop: open binds on the loop's thread, poll does one step without blocking.
     */
    interface Loop
    {
        /**
         * Bind the socket.
         *
         * @return the bound port.
         * @throws Exception when the socket cannot be opened.
         */
        int open() throws Exception;

        /**
         * One step: receive and answer what is waiting, without blocking.
         *
         * @throws Exception when the socket is broken.
         */
        void poll() throws Exception;

        /**
         * Publish counts not yet added to the counters, and close the socket.
         */
        void close();
    }

    private final CompletableFuture<Integer> bound = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * A thread, not yet started.
     *
     * @param name thread name.
     * @param cpu  CPU to pin to, -1 for none.
     * @param loop what it runs.
     */
    LoopThread(final String name, final int cpu, final Loop loop)
    {
        thread = new Thread(() -> run(cpu, loop), name);
        thread.setDaemon(true);
    }

    private void run(final int cpu, final Loop loop)
    {
        try
        {
            if (cpu >= 0 && LibC.isAvailable())
            {
                final int errno = LibC.pinCurrentThread(cpu);
                if (errno != 0)
                {
                    throw new IllegalStateException("sched_setaffinity cpu " + cpu + ": errno " + errno);
                }
            }
            bound.complete(loop.open());
            while (running)
            {
                loop.poll();
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
            bound.completeExceptionally(ex);
        }
        finally
        {
            loop.close();
        }
    }

    /**
     * Start the thread and wait for the socket to be bound.
     *
     * @return the bound port.
     * @throws IllegalStateException when the loop failed to bind within 10 s.
     */
    int start()
    {
        thread.start();
        try
        {
            return bound.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            close();
            throw new IllegalStateException(thread.getName() + " failed to start: " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted starting " + thread.getName(), ex);
        }
    }

    /**
     * The exception that stopped the loop, if one did.
     *
     * @return null while healthy.
     */
    Throwable failure()
    {
        return failure;
    }

    /**
     * Stop the loop and wait for the thread to close its socket.
     */
    @Override
    public void close()
    {
        running = false;
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(START_TIMEOUT_S));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
