package io.turnstile.tools.flood;

import io.turnstile.nativeio.LibC;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the flood tests share: whether raw sockets can be used here, and a loopback receiver that keeps every
 * datagram it gets.
 */
final class FloodTests
{
    private FloodTests()
    {
    }

    /**
     * Whether a raw IPv4 socket can be opened: Linux x86_64 with the bindings, as root (or with CAP_NET_RAW).
     */
    static boolean rawSocketsAvailable()
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !LibC.isAvailable())
        {
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final int fd = FloodSockets.openRaw(errno);
            if (fd < 0)
            {
                return false;
            }
            LibC.close(errno, fd);
            return true;
        }
    }

    /** A datagram as received. */
    record Datagram(byte[] payload, InetAddress source, int port)
    {
    }

    /**
     * A UDP socket on 127.0.0.1 that collects datagrams on a thread of its own until closed.
     */
    static final class Receiver implements AutoCloseable
    {
        private final DatagramSocket socket;
        private final List<Datagram> received = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Receiver()
        {
            try
            {
                socket = new DatagramSocket(null);
                socket.setReceiveBufferSize(8 * 1024 * 1024);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                socket.setSoTimeout(50);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            thread = new Thread(this::receive, "flood-test-receiver");
            thread.setDaemon(true);
            thread.start();
        }

        int port()
        {
            return socket.getLocalPort();
        }

        private void receive()
        {
            final byte[] buffer = new byte[2048];
            final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            while (running)
            {
                try
                {
                    packet.setLength(buffer.length);
                    socket.receive(packet);
                    final Datagram datagram = new Datagram(
                        Arrays.copyOf(buffer, packet.getLength()), packet.getAddress(), packet.getPort());
                    synchronized (received)
                    {
                        received.add(datagram);
                    }
                }
                catch (final SocketTimeoutException ex)
                {
                    // Loop to look at running again.
                }
                catch (final IOException ex)
                {
                    return;
                }
            }
        }

        /**
         * Wait until nothing has arrived for a while (bounded), then return all received so far.
         */
        List<Datagram> drain(final int expected)
        {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            int last = -1;
            while (System.nanoTime() - deadline < 0)
            {
                final int now = count();
                if (now >= expected || (now == last && now > 0))
                {
                    break;
                }
                last = now;
                sleep(200);
            }
            synchronized (received)
            {
                return new ArrayList<>(received);
            }
        }

        int count()
        {
            synchronized (received)
            {
                return received.size();
            }
        }

        @Override
        public void close()
        {
            running = false;
            socket.close();
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
