package io.turnstile.server;

import io.turnstile.nativeio.NetworkNamespaces;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * Test support for {@code serve --xdp}: a client and a server network namespace of the test's own joined by a veth
 * pair, IPv4 ({@link #CLIENT_V4}/{@link #SERVER_V4}) and IPv6 ({@link #CLIENT_V6}/{@link #SERVER_V6}), named
 * {@code tsx<pid>x<n>c|s}. A thread {@link #enterServer() enters} the server namespace with {@code setns(2)}, and every
 * thread it starts (the workers) is there too; clients run as {@code ip netns exec} processes, or on a thread that
 * {@link #enterClient() entered} the client namespace. Needs Linux, root and
 * iproute2: {@link #create()} returns null otherwise.
 */
final class XdpNetwork implements AutoCloseable
{
    static final String CLIENT_V4 = "10.78.0.1";
    static final String SERVER_V4 = "10.78.0.2";
    static final String CLIENT_V6 = "fd78::1";
    static final String SERVER_V6 = "fd78::2";

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final String clientNs;
    private final String serverNs;

    private XdpNetwork(final String tag)
    {
        this.clientNs = tag + "c";
        this.serverNs = tag + "s";
    }

    static XdpNetwork create()
    {
        return create(1);
    }

    /**
     * The namespaces with a veth pair of this many RX and TX queues each side: the sender hashes flows over them.
     */
    static XdpNetwork create(final int queues)
    {
        if (!"root".equals(System.getProperty("user.name")) || !System.getProperty("os.name").startsWith("Linux"))
        {
            return null;
        }
        final XdpNetwork network = new XdpNetwork("tsx" + ProcessHandle.current().pid() + "x" + NAMES.incrementAndGet());
        final String c = network.clientNs;
        final String s = network.serverNs;
        final boolean made = run("ip", "netns", "add", c) && run("ip", "netns", "add", s) &&
            run("ip", "link", "add", s, "netns", s, "numtxqueues", String.valueOf(queues), "numrxqueues",
                String.valueOf(queues), "type", "veth", "peer", "name", c, "netns", c, "numtxqueues",
                String.valueOf(queues), "numrxqueues", String.valueOf(queues)) &&
            run("ip", "-n", c, "addr", "add", CLIENT_V4 + "/24", "dev", c) &&
            run("ip", "-n", s, "addr", "add", SERVER_V4 + "/24", "dev", s) &&
            run("ip", "-n", c, "addr", "add", CLIENT_V6 + "/64", "dev", c, "nodad") &&
            run("ip", "-n", s, "addr", "add", SERVER_V6 + "/64", "dev", s, "nodad") &&
            run("ip", "-n", c, "link", "set", c, "up") && run("ip", "-n", s, "link", "set", s, "up") &&
            run("ip", "-n", c, "link", "set", "lo", "up") && run("ip", "-n", s, "link", "set", "lo", "up");
        if (!made)
        {
            network.close();
            return null;
        }
        return network;
    }

    /**
     * The server's veth, in the server namespace.
     */
    String serverInterface()
    {
        return serverNs;
    }

    /**
     * A command line run in the client namespace.
     */
    List<String> inClient(final List<String> command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", clientNs));
        full.addAll(command);
        return full;
    }

    /**
     * {@code ip -d link show} of the server's veth: says {@code xdp} while a program is attached.
     */
    String serverLink() throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder("ip", "-n", serverNs, "-d", "link", "show", serverNs)
            .redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    /**
     * Move the calling thread into the server namespace, for good.
     */
    void enterServer() throws Throwable
    {
        NetworkNamespaces.enter(serverNs);
    }

    /**
     * Move the calling thread into the client namespace, for good.
     */
    void enterClient() throws Throwable
    {
        NetworkNamespaces.enter(clientNs);
    }

    @Override
    public void close()
    {
        run("ip", "netns", "del", clientNs);
        run("ip", "netns", "del", serverNs);
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
