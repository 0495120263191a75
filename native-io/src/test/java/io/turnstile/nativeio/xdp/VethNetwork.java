package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.NetworkNamespaces;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * Test support: two network namespaces of the test's own, a client and a server, joined by a veth pair, with IPv4
 * ({@link #CLIENT_V4} / {@link #SERVER_V4}) and IPv6 ({@link #CLIENT_V6} / {@link #SERVER_V6}) addresses. Names start
 * with {@code tsb} and the JVM's PID, so concurrent test runs never collide.
 * <p>
 * A body runs on a new thread that enters one namespace with {@code setns(2)} (a network namespace is per thread):
 * interface indexes, XDP attachments and sockets made there belong to that namespace. Needs Linux, root and iproute2;
 * {@link #create()} returns null where any is missing, for {@code assumeTrue}. Public, in native-io's test-jar, for
 * other modules' tests of an AF_XDP server (the Micrometer binder's).
 */
public final class VethNetwork implements AutoCloseable
{
    /** The client side's IPv4 address. */
    public static final String CLIENT_V4 = "10.77.0.1";
    /** The server side's IPv4 address. */
    public static final String SERVER_V4 = "10.77.0.2";
    /** The client side's IPv6 address. */
    public static final String CLIENT_V6 = "fd77::1";
    /** The server side's IPv6 address. */
    public static final String SERVER_V6 = "fd77::2";

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final String clientNs;
    private final String serverNs;
    private final String serverIf;

    private VethNetwork(final String clientNs, final String serverNs, final String serverIf)
    {
        this.clientNs = clientNs;
        this.serverNs = serverNs;
        this.serverIf = serverIf;
    }

    /**
     * Make the namespaces and the veth pair, addressed and up.
     *
     * @return the network, or null when this machine cannot make one.
     */
    public static VethNetwork create()
    {
        return create(1);
    }

    /**
     * Make the namespaces and a veth pair with several queues each way, addressed and up. A veth delivers a frame on
     * the receive queue numbered like the sender's transmit queue, which the sender picks by flow hash.
     *
     * @param queues transmit and receive queues of each end.
     * @return the network, or null when this machine cannot make one.
     */
    public static VethNetwork create(final int queues)
    {
        if (!BpfTest.privileged() || !"root".equals(System.getProperty("user.name")))
        {
            return null;
        }
        final String tag = "tsb" + ProcessHandle.current().pid() + "x" + NAMES.incrementAndGet();
        final VethNetwork network = new VethNetwork(tag + "c", tag + "s", tag + "s");
        final String clientIf = tag + "c";
        final boolean made = NetworkNamespaces.run("ip", "netns", "add", network.clientNs) &&
            NetworkNamespaces.run("ip", "netns", "add", network.serverNs) &&
            NetworkNamespaces.run("ip", "link", "add", network.serverIf, "netns", network.serverNs,
                "numtxqueues", String.valueOf(queues), "numrxqueues", String.valueOf(queues), "type", "veth",
                "peer", "name", clientIf, "netns", network.clientNs,
                "numtxqueues", String.valueOf(queues), "numrxqueues", String.valueOf(queues)) &&
            NetworkNamespaces.run("ip", "-n", network.clientNs, "addr", "add", CLIENT_V4 + "/24", "dev", clientIf) &&
            NetworkNamespaces.run("ip", "-n", network.serverNs, "addr", "add", SERVER_V4 + "/24", "dev", network.serverIf) &&
            NetworkNamespaces.run("ip", "-n", network.clientNs, "addr", "add", CLIENT_V6 + "/64", "dev", clientIf, "nodad") &&
            NetworkNamespaces.run("ip", "-n", network.serverNs, "addr", "add", SERVER_V6 + "/64", "dev", network.serverIf, "nodad") &&
            NetworkNamespaces.run("ip", "-n", network.clientNs, "link", "set", clientIf, "up") &&
            NetworkNamespaces.run("ip", "-n", network.serverNs, "link", "set", network.serverIf, "up") &&
            NetworkNamespaces.run("ip", "-n", network.clientNs, "link", "set", "lo", "up") &&
            NetworkNamespaces.run("ip", "-n", network.serverNs, "link", "set", "lo", "up");
        if (!made)
        {
            network.close();
            return null;
        }
        return network;
    }

    /**
     * The server side's veth, where the XDP program goes.
     *
     * @return its name, valid in the server namespace.
     */
    public String serverInterface()
    {
        return serverIf;
    }

    /**
     * Set one of the server veth's sysfs attributes, e.g. {@code napi_defer_hard_irqs}.
     *
     * @param attribute the file under {@code /sys/class/net/DEV/}.
     * @param value     what to write.
     * @return true when written.
     */
    public boolean serverAttribute(final String attribute, final String value)
    {
        return NetworkNamespaces.run("ip", "netns", "exec", serverNs, "sh", "-c",
            "echo " + value + " > /sys/class/net/" + serverIf + "/" + attribute);
    }

    /**
     * Run a body in the server namespace.
     *
     * @param body    what to run.
     * @param timeout most seconds to wait.
     * @param <T>     its result.
     * @return what it returned.
     * @throws Exception what it threw.
     */
    public <T> T inServer(final Callable<T> body, final long timeout) throws Exception
    {
        return runIn(serverNs, body, timeout);
    }

    /**
     * Run a body in the client namespace.
     *
     * @param body    what to run.
     * @param timeout most seconds to wait.
     * @param <T>     its result.
     * @return what it returned.
     * @throws Exception what it threw.
     */
    public <T> T inClient(final Callable<T> body, final long timeout) throws Exception
    {
        return runIn(clientNs, body, timeout);
    }

    /**
     * {@code ip -d link show} of the server veth, to see whether an XDP program is attached.
     *
     * @return the output.
     * @throws Exception when ip fails.
     */
    public String serverLinkDetails() throws Exception
    {
        final Process process = new ProcessBuilder(List.of("ip", "-n", serverNs, "-d", "link", "show", serverIf))
            .redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static <T> T runIn(final String namespace, final Callable<T> body, final long timeout) throws Exception
    {
        return NetworkNamespaces.runIn(namespace, body, timeout);
    }

    /**
     * Delete both namespaces, and with them the veth pair.
     */
    @Override
    public void close()
    {
        NetworkNamespaces.run("ip", "netns", "del", clientNs);
        NetworkNamespaces.run("ip", "netns", "del", serverNs);
    }
}
