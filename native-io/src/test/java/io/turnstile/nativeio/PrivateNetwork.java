package io.turnstile.nativeio;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;


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
        if (!LibC.isAvailable())
        {
            return null;
        }
        final String name = "turnstile-test-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
        if (!NetworkNamespaces.run("ip", "netns", "add", name))
        {
            return null;
        }
        final PrivateNetwork network = new PrivateNetwork(name);
        final List<String> tc = new ArrayList<>(List.of("tc", "-n", name, "qdisc", "add", "dev", "lo", "root"));
        tc.addAll(List.of(qdisc.split(" ")));
        if (!NetworkNamespaces.run("ip", "-n", name, "link", "set", "lo", "up") ||
            !NetworkNamespaces.run(tc.toArray(new String[0])))
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
        return NetworkNamespaces.runIn(name, body, timeout);
    }

    /**
     * Delete the namespace; sockets still open in it keep it alive until they close.
     */
    @Override
    public void close()
    {
        NetworkNamespaces.run("ip", "netns", "del", name);
    }
}
