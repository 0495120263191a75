package io.turnstile.nativeio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Test support: a network namespace of the test's own, whose loopback sends through a rate-limiting qdisc, so that a
 * sender's datagrams sit in the qdisc, charged to its socket's send buffer, until the rate lets them out. That is
 * what makes a non-blocking UDP send really return EAGAIN: on the host's loopback a datagram is delivered (and its
 * send-buffer charge released) inside the send call, so the buffer never fills there.
 * <p>
 * Created with {@code ip netns add} and {@code tc}, entered by one thread at a time with {@code setns(2)} (a network
 * namespace is per thread, so the rest of the JVM stays where it was), deleted on {@link #close()}. Needs Linux,
 * root and iproute2; {@link #create(String)} returns null where any is missing, for {@code assumeTrue}.
 */
final class PrivateNetwork implements AutoCloseable
{
    private static final int CLONE_NEWNET = 0x4000_0000;
    private static final int O_RDONLY_CLOEXEC = 0x8_0000;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final String name;

    private PrivateNetwork(final String name)
    {
        this.name = name;
    }

    /**
     * A new namespace with loopback up and the given root qdisc on it.
     *
     * @param qdisc e.g. {@code "tbf rate 8mbit burst 16kb latency 500ms"}.
     * @return the namespace, or null when this machine cannot make one (not Linux, not root, no iproute2, no qdisc).
     */
    static PrivateNetwork create(final String qdisc)
    {
        if (!LibC.isAvailable() || !Files.isExecutable(Path.of("/usr/sbin/ip")) ||
            !Files.isExecutable(Path.of("/usr/sbin/tc")))
        {
            return null;
        }
        final String name = "turnstile-test-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
        if (!run("ip", "netns", "add", name))
        {
            return null;
        }
        final PrivateNetwork network = new PrivateNetwork(name);
        final List<String> tc = new ArrayList<>(List.of("tc", "-n", name, "qdisc", "add", "dev", "lo", "root"));
        tc.addAll(List.of(qdisc.split(" ")));
        if (!run("ip", "-n", name, "link", "set", "lo", "up") || !run(tc.toArray(new String[0])))
        {
            network.close();
            return null;
        }
        return network;
    }

    /**
     * Run a body on a new thread inside the namespace, and wait for it.
     *
     * @param body    what to run; every socket it opens is in the namespace.
     * @param timeout most seconds to wait.
     * @param <T>     what the body returns.
     * @return what the body returned.
     * @throws Exception what the body threw, or an {@link AssertionError} on timeout.
     */
    <T> T run(final Callable<T> body, final long timeout) throws Exception
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                enter();
                result.set(body.call());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(timeout));
        if (thread.isAlive())
        {
            thread.interrupt();
            throw new AssertionError("the body in " + name + " did not finish in " + timeout + " s");
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

    @SuppressWarnings("restricted")
    private void enter() throws Throwable
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
            final MemorySegment path = arena.allocateFrom("/run/netns/" + name, StandardCharsets.US_ASCII);
            final int fd = (int)open.invokeExact(path, O_RDONLY_CLOEXEC);
            if (fd < 0)
            {
                throw new IOException("open /run/netns/" + name + " failed");
            }
            final int result = (int)setns.invokeExact(fd, CLONE_NEWNET);
            final int closed = (int)close.invokeExact(fd);
            if (result != 0 || closed != 0)
            {
                throw new IOException("setns into " + name + " failed");
            }
        }
    }

    /**
     * Delete the namespace; sockets still open in it keep it alive until they close.
     */
    @Override
    public void close()
    {
        run("ip", "netns", "del", name);
    }

    private static boolean run(final String... command)
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
