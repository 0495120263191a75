package io.turnstile.nativeio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Test support shared by the tests that make network namespaces of their own ({@link PrivateNetwork}, the XDP tests'
 * veth pair): move the calling thread into a named namespace with {@code setns(2)}, and run {@code ip}/{@code tc}.
 */
public final class NetworkNamespaces
{
    private static final int CLONE_NEWNET = 0x4000_0000;
    private static final int O_RDONLY_CLOEXEC = 0x8_0000;

    private NetworkNamespaces()
    {
    }

    /**
     * Move the calling thread into a namespace made by {@code ip netns add}: a network namespace is per thread, so
     * the rest of the JVM stays where it was.
     *
     * @param namespace its name under /run/netns.
     * @throws Throwable when it cannot be opened or entered.
     */
    @SuppressWarnings("restricted")
    public static void enter(final String namespace) throws Throwable
    {
        final Linker linker = Linker.nativeLinker();
        final MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        final MethodHandle setns = linker.downcallHandle(linker.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        final MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment path = arena.allocateFrom("/run/netns/" + namespace, StandardCharsets.US_ASCII);
            final int fd = (int)open.invokeExact(path, O_RDONLY_CLOEXEC);
            if (fd < 0)
            {
                throw new IOException("open /run/netns/" + namespace + " failed");
            }
            final int result = (int)setns.invokeExact(fd, CLONE_NEWNET);
            final int closed = (int)close.invokeExact(fd);
            if (result != 0 || closed != 0)
            {
                throw new IOException("setns into " + namespace + " failed");
            }
        }
    }

    /**
     * Run a body on a new thread inside a namespace, and wait for it: every socket it opens is in the namespace.
     *
     * @param namespace its name under /run/netns.
     * @param body      what to run.
     * @param timeout   seconds to wait for it.
     * @param <T>       what the body returns.
     * @return what the body returned.
     * @throws Exception what the body threw, or an {@link AssertionError} on timeout.
     */
    public static <T> T runIn(final String namespace, final Callable<T> body, final long timeout) throws Exception
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                enter(namespace);
                result.set(body.call());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, namespace);
        thread.setDaemon(true);
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(timeout));
        if (thread.isAlive())
        {
            thread.interrupt();
            throw new AssertionError("the body in " + namespace + " did not finish in " + timeout + " s");
        }
        final Throwable thrown = failure.get();
        if (thrown instanceof Exception ex)
        {
            throw ex;
        }
        if (thrown instanceof Error error)
        {
            throw error;
        }
        return result.get();
    }

    /**
     * Run a command, its output discarded, for at most 10 seconds.
     *
     * @param command the command and its arguments.
     * @return true when it exited 0 in time.
     */
    public static boolean run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
