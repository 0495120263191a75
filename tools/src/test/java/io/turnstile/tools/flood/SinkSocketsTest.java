package io.turnstile.tools.flood;

import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.MmsgBatchSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sink sockets own ports and drop what arrives, so that a server's replies to spoofed sources draw no ICMP
 * port-unreachable. Checked with the kernel's own counters: {@code Udp NoPorts} (datagrams for a port no socket
 * owns) and {@code Icmp OutDestUnreachs} in {@code /proc/net/snmp}.
 */
class SinkSocketsTest
{
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    @Timeout(10)
    void shouldOwnDistinctPortsAndDropEverythingSentToThem() throws IOException
    {
        assumeTrue(LibC.isAvailable());
        try (SinkSockets sinks = SinkSockets.open(4);
            DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)))
        {
            final int[] ports = sinks.ports();
            assertEquals(4, sinks.count());
            assertEquals(4, Arrays.stream(ports).distinct().count());
            final long noPortsBefore = snmp("Udp", "NoPorts");
            for (final int port : ports)
            {
                for (int i = 0; i < 100; i++)
                {
                    sender.send(new DatagramPacket(new byte[64], 64, LOOPBACK, port));
                }
            }
            // Bound, so the kernel found an owner for all 400 (no NoPorts), and dropped them in the filter; a
            // second bind on the same port fails while the sink holds it.
            assertTrue(snmp("Udp", "NoPorts") - noPortsBefore < 400, "the sinks owned their ports");
            try (DatagramSocket clash = new DatagramSocket(null))
            {
                assertThrows(BindException.class, () -> clash.bind(new InetSocketAddress(LOOPBACK, ports[0])));
            }
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseABadCountAndCloseIdempotently()
    {
        assertThrows(IllegalArgumentException.class, () -> SinkSockets.open(0));
        assertThrows(IllegalArgumentException.class, () -> SinkSockets.open(SinkSockets.MAX_SINKS + 1));
        assumeTrue(LibC.isAvailable());
        final SinkSockets sinks = SinkSockets.open(1);
        final int port = sinks.ports()[0];
        sinks.close();
        sinks.close();
        try (DatagramSocket rebind = new DatagramSocket(new InetSocketAddress(LOOPBACK, port)))
        {
            assertEquals(port, rebind.getLocalPort(), "closed sinks release their ports");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    @Timeout(60)
    void shouldSpareTheServerAnIcmpPortUnreachableForEveryReply() throws InterruptedException
    {
        assumeTrue(FloodTests.rawSocketsAvailable(), "raw sockets need Linux and root or CAP_NET_RAW");
        final int packets = 5_000;
        try (Responder responder = new Responder())
        {
            final Counts withSinks = flood(responder, packets, SpoofedFlood.Context.DEFAULT_SINK_PORTS);
            final Counts withoutSinks = flood(responder, packets, 0);
            System.out.println("sinks: " + withSinks + "; random ports: " + withoutSinks);

            assertTrue(withSinks.replies > packets / 2, "the responder answered most hellos: " + withSinks);
            assertTrue(withoutSinks.replies > packets / 2, "the responder answered most hellos: " + withoutSinks);
            // Other processes on the machine may bump the global counters a little; replies are thousands.
            assertTrue(withSinks.noPorts < withSinks.replies / 20, "with sinks every reply found a socket: " +
                withSinks);
            assertTrue(withoutSinks.noPorts > withoutSinks.replies * 9 / 10, "to random ports replies find none: " +
                withoutSinks);
            assertTrue(withoutSinks.icmpUnreachable > withSinks.icmpUnreachable, "and ICMP is sent for them");
        }
    }

    private static Counts flood(final Responder responder, final int packets, final int sinkPorts)
        throws InterruptedException
    {
        final long repliesBefore = responder.replies.get();
        final long noPortsBefore = snmp("Udp", "NoPorts");
        final long icmpBefore = snmp("Icmp", "OutDestUnreachs");
        final FloodReport report = new SpoofedFlood(new SpoofedFlood.Context()
            .targetAddress(LOOPBACK).targetPort(responder.port()).mode(SpoofedFlood.Mode.RAW)
            .sinkPorts(sinkPorts).sinkLingerMs(500).rate(20_000).maxPackets(packets).notice(line -> { })).run();
        assertEquals(packets, report.sent());
        Thread.sleep(200);
        return new Counts(responder.replies.get() - repliesBefore, snmp("Udp", "NoPorts") - noPortsBefore,
            snmp("Icmp", "OutDestUnreachs") - icmpBefore);
    }

    /** Counter deltas over one flood. */
    record Counts(long replies, long noPorts, long icmpUnreachable)
    {
    }

    /** Read one counter of /proc/net/snmp, e.g. ("Udp", "NoPorts"). */
    static long snmp(final String protocol, final String name)
    {
        try
        {
            final List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
            for (int i = 0; i + 1 < lines.size(); i++)
            {
                final String[] names = lines.get(i).split("\\s+");
                final String[] values = lines.get(i + 1).split("\\s+");
                if (names[0].equals(protocol + ":") && values[0].equals(protocol + ":"))
                {
                    for (int j = 1; j < names.length; j++)
                    {
                        if (names[j].equals(name))
                        {
                            return Long.parseLong(values[j]);
                        }
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        throw new IllegalStateException("no " + protocol + " " + name + " in /proc/net/snmp");
    }

    /**
     * A server stand-in on 127.0.0.1: answers every datagram with 60 bytes to its source, as a verifier answers a
     * hello with a HelloVerifyRequest, through the project's batch socket on a thread of its own.
     */
    static final class Responder implements AutoCloseable
    {
        final AtomicLong replies = new AtomicLong();
        private final CountDownLatch bound = new CountDownLatch(1);
        private final Thread thread;
        private volatile boolean running = true;
        private volatile int port;

        Responder() throws InterruptedException
        {
            thread = new Thread(this::serve, "flood-test-responder");
            thread.setDaemon(true);
            thread.start();
            assertTrue(bound.await(5, TimeUnit.SECONDS));
        }

        int port()
        {
            return port;
        }

        private void serve()
        {
            try (BatchSocket socket = new MmsgBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK)))
            {
                port = socket.localPort();
                bound.countDown();
                while (running)
                {
                    socket.awaitReceive(10);
                    final int received = socket.receive();
                    for (int i = 0; i < received; i++)
                    {
                        final int slot = socket.nextSendSlot();
                        if (slot >= 0)
                        {
                            socket.sendBuffer(slot).setMemory(0, 60, (byte)22);
                            socket.stageReply(slot, 60, i);
                        }
                    }
                    replies.addAndGet(socket.flush());
                }
            }
        }

        @Override
        public void close()
        {
            running = false;
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
}
