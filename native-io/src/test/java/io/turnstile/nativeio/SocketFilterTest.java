package io.turnstile.nativeio;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static io.turnstile.nativeio.SocketFilter.BPF_ABS;
import static io.turnstile.nativeio.SocketFilter.BPF_H;
import static io.turnstile.nativeio.SocketFilter.BPF_JEQ;
import static io.turnstile.nativeio.SocketFilter.BPF_K;
import static io.turnstile.nativeio.SocketFilter.BPF_LD;
import static io.turnstile.nativeio.SocketFilter.BPF_LEN;
import static io.turnstile.nativeio.SocketFilter.BPF_RET;
import static io.turnstile.nativeio.SocketFilter.BPF_W;
import static io.turnstile.nativeio.SocketFilter.jump;
import static io.turnstile.nativeio.SocketFilter.statement;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Classic BPF programs attached to real loopback sockets: what the kernel lets through is what arrives at
 * {@link BatchSocket#receive()}, and the kernel counts what it dropped. Each test sends the datagrams a program must
 * drop, then one it must pass (or, after detaching, any): loopback keeps one sender's datagrams in order, so once
 * that last one has arrived, anything the program passed has arrived too.
 */
class SocketFilterTest
{
    private static final long WAIT_NS = 10_000_000_000L;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeEach
    void requireNative()
    {
        assumeTrue(LibC.isAvailable(), "SO_ATTACH_FILTER bindings need x86_64 Linux");
    }

    @Test
    @Timeout(10)
    void shouldSeeTheUdpHeaderAtOffsetZero() throws IOException
    {
        try (MmsgBatchSocket socket = open(new BatchSocket.Context());
            DatagramChannel sender = sender())
        {
            // Pass only a datagram whose bytes 2-3 are this socket's port (the UDP destination port) and whose length
            // is the 8-byte UDP header plus a 5-byte payload: offset 0 is the UDP header, and len counts it.
            final int port = socket.localPort();
            new SocketFilter(
                "udp-header-probe",
                statement(BPF_LD | BPF_H | BPF_ABS, 2),
                jump(BPF_JEQ, port, 0, 3),
                statement(BPF_LD | BPF_W | BPF_LEN, 0),
                jump(BPF_JEQ, 8 + 5, 0, 1),
                statement(BPF_RET | BPF_K, SocketFilter.ACCEPT_ALL),
                statement(BPF_RET | BPF_K, 0)).attach(socket.fd());

            send(sender, socket, new byte[13]);
            send(sender, socket, new byte[4]);
            send(sender, socket, new byte[]{1, 2, 3, 4, 5});

            final List<byte[]> received = receiveUntil(socket, 5);
            assertEquals(1, received.size());
            assertArrayEquals(new byte[]{1, 2, 3, 4, 5}, received.getFirst());
        }
    }

    @Test
    @Timeout(10)
    void shouldPassOnlyClientHellosThroughTheHelloFilter() throws IOException
    {
        try (MmsgBatchSocket socket = open(new BatchSocket.Context());
            DatagramChannel sender = sender())
        {
            SocketFilter.dtlsClientHello().attach(socket.fd());

            for (final byte[] junk : notClientHellos())
            {
                send(sender, socket, junk);
            }
            send(sender, socket, VerifierAgentTest.HELLO);

            final List<byte[]> received = receiveUntil(socket, VerifierAgentTest.HELLO.length);
            assertEquals(1, received.size(), "only the hello arrives");
            assertArrayEquals(VerifierAgentTest.HELLO, received.getFirst());
            assertEquals(notClientHellos().size(), socketDrops(socket.localPort()), "the kernel counts the drops");
        }
    }

    @Test
    @Timeout(10)
    void shouldPassTheShortestPossibleHelloAndDropOneByteLess() throws IOException
    {
        try (MmsgBatchSocket socket = open(new BatchSocket.Context());
            DatagramChannel sender = sender())
        {
            SocketFilter.dtlsClientHello().attach(socket.fd());

            send(sender, socket, hello(SocketFilter.MIN_CLIENT_HELLO_DATAGRAM_LENGTH - 1));
            send(sender, socket, hello(SocketFilter.MIN_CLIENT_HELLO_DATAGRAM_LENGTH));

            final List<byte[]> received = receiveUntil(socket, SocketFilter.MIN_CLIENT_HELLO_DATAGRAM_LENGTH);
            assertEquals(1, received.size());
        }
    }

    @Test
    @Timeout(10)
    void shouldPassEveryDtlsRecordAndDropJunkWhenTheContextAsksForTheFilter() throws IOException
    {
        try (BatchSocket socket = BatchSockets.open(new BatchSocket.Context().bindAddress(LOOPBACK).dtlsFilter(true));
            DatagramChannel sender = sender())
        {
            assertTrue(socket instanceof MmsgBatchSocket);
            send(sender, socket, record(19, 0xFE, 40));
            send(sender, socket, record(26, 0xFE, 40));
            send(sender, socket, record(22, 0x03, 40));
            send(sender, socket, record(23, 0xFE, 12));
            send(sender, socket, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            final byte[] changeCipherSpec = record(20, 0xFE, 14);
            final byte[] applicationData = record(23, 0xFE, 60);
            final byte[] cid = record(25, 0xFE, 13);
            send(sender, socket, changeCipherSpec);
            send(sender, socket, applicationData);
            send(sender, socket, VerifierAgentTest.HELLO);
            send(sender, socket, cid);

            final List<byte[]> received = receiveUntil(socket, cid.length);
            assertEquals(4, received.size(), "the four records, none of the junk");
            assertArrayEquals(changeCipherSpec, received.get(0));
            assertArrayEquals(applicationData, received.get(1));
            assertArrayEquals(VerifierAgentTest.HELLO, received.get(2));
            assertArrayEquals(cid, received.get(3));
        }
    }

    @Test
    @Timeout(10)
    void shouldPassDtlsRecordsAndTheDemultiplexedClassesWithTheDemuxFilter() throws IOException
    {
        try (BatchSocket socket = BatchSockets.open(
            new BatchSocket.Context().bindAddress(LOOPBACK).dtlsFilter(true).demuxFilter(true));
            DatagramChannel sender = sender())
        {
            assertTrue(socket instanceof MmsgBatchSocket);
            send(sender, socket, new byte[0]);
            send(sender, socket, new byte[]{ 4, 0, 0, 0 });
            send(sender, socket, new byte[]{ 15, 1 });
            send(sender, socket, record(26, 0xFE, 40));
            send(sender, socket, record(22, 0x03, 40));
            send(sender, socket, record(23, 0xFE, 12));
            final byte[] stun = VerifierAgentTest.STUN_BINDING_REQUEST;
            final byte[] zrtp = { 16, 0, 0x50, 0x5A };
            final byte[] turnChannel = { 0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4 };
            final byte[] quicShort = { 0x50, 1, 2, 3 };
            final byte[] rtp = VerifierAgentTest.RTP_PACKET;
            final byte[] quicLong = { (byte)0xC0, 0, 0, 0, 1 };
            final byte[] applicationData = record(23, 0xFE, 60);
            for (final byte[] datagram : List.of(stun, zrtp, turnChannel, quicShort, rtp, quicLong, applicationData))
            {
                send(sender, socket, datagram);
            }

            final List<byte[]> received = receiveUntil(socket, applicationData.length);
            assertEquals(7, received.size(), "the five classes and the record, none of the rest");
            assertArrayEquals(stun, received.get(0));
            assertArrayEquals(rtp, received.get(4));
            assertArrayEquals(applicationData, received.get(6));
        }
    }

    @Test
    @Timeout(10)
    void shouldFilterIpv4DatagramsOnADualStackSocketAtTheSameOffsets() throws IOException
    {
        try (BatchSocket socket = BatchSockets.open(new BatchSocket.Context()
            .bindAddress(InetAddress.getByName("::")).dtlsFilter(true));
            DatagramChannel sender = sender())
        {
            assertTrue(socket.isIpv6());
            send(sender, socket, new byte[40]);
            send(sender, socket, VerifierAgentTest.HELLO);

            final List<byte[]> received = receiveUntil(socket, VerifierAgentTest.HELLO.length);
            assertEquals(1, received.size());
        }
    }

    @Test
    @Timeout(10)
    void shouldDropEverythingWithDropAllUntilDetached() throws IOException
    {
        try (MmsgBatchSocket socket = open(new BatchSocket.Context());
            DatagramChannel sender = sender())
        {
            SocketFilter.dropAll().attach(socket.fd());
            for (int i = 0; i < 100; i++)
            {
                send(sender, socket, i % 2 == 0 ? VerifierAgentTest.HELLO : new byte[i]);
            }
            assertEquals(0, socket.receive(), "nothing queued while dropping");
            assertEquals(100, socketDrops(socket.localPort()), "the kernel dropped and counted all 100");

            SocketFilter.detach(socket.fd());
            send(sender, socket, new byte[]{42});

            final List<byte[]> received = receiveUntil(socket, 1);
            assertEquals(1, received.size(), "only the datagram sent after detach arrives");
            assertArrayEquals(new byte[]{42}, received.getFirst());
        }
    }

    @Test
    @Timeout(10)
    void shouldNameTheErrnoWhenTheKernelRefuses()
    {
        final NativeIoException badFd = assertThrows(NativeIoException.class, () -> SocketFilter.dropAll().attach(-1));
        assertEquals(Errno.EBADF, badFd.errno());

        try (MmsgBatchSocket socket = open(new BatchSocket.Context()))
        {
            // A program must end in a return: the kernel's checker refuses one that can fall off its end.
            final SocketFilter noReturn = new SocketFilter("no-return", statement(BPF_LD | BPF_W | BPF_LEN, 0));
            final NativeIoException refused = assertThrows(NativeIoException.class, () -> noReturn.attach(socket.fd()));
            assertEquals(Errno.EINVAL, refused.errno());
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseProgramsItCannotEncode()
    {
        assertThrows(IllegalArgumentException.class, () -> new SocketFilter("empty"));
        assertThrows(IllegalArgumentException.class, () -> jump(BPF_JEQ, 1, 256, 0));
        assertThrows(IllegalArgumentException.class, () -> new SocketFilter("long", new long[4097]));
    }

    @Test
    @Timeout(10)
    void shouldEncodeInstructionsAsTheKernelLaysThemOut()
    {
        final SocketFilter hello = SocketFilter.dtlsClientHello();
        assertEquals(BPF_LD | BPF_W | BPF_LEN, hello.code(0));
        assertEquals(0x15, hello.code(3), "BPF_JMP | BPF_JEQ | BPF_K");
        assertEquals(22, hello.k(3));
        assertEquals(0, hello.jumpTrue(3));
        assertEquals(5, hello.jumpFalse(3));
        assertEquals(0x06, hello.code(hello.length() - 1));
        assertEquals(0, hello.k(hello.length() - 1));
        assertEquals(-1, hello.k(hello.length() - 2), "accept keeps the whole datagram");
        assertEquals(1, SocketFilter.dropAll().length());
    }

    /**
     * The kernel's count of datagrams dropped for a socket (the last column of /proc/net/udp): a filter's drops are
     * counted there, and in {@code Udp InErrors} of /proc/net/snmp, as checked on this kernel.
     */
    private static long socketDrops(final int port) throws IOException
    {
        final String localPort = String.format(Locale.ROOT, ":%04X", port);
        long drops = 0;
        for (final String table : new String[]{"/proc/net/udp", "/proc/net/udp6"})
        {
            for (final String line : Files.readAllLines(Path.of(table)))
            {
                final String[] fields = line.trim().split("\\s+");
                if (fields.length > 2 && fields[1].endsWith(localPort))
                {
                    drops += Long.parseLong(fields[fields.length - 1]);
                }
            }
        }
        return drops;
    }

    private static List<byte[]> notClientHellos()
    {
        final List<byte[]> junk = new ArrayList<>();
        final byte[] wrongType = VerifierAgentTest.HELLO.clone();
        wrongType[0] = 23;
        junk.add(wrongType);
        final byte[] wrongVersion = VerifierAgentTest.HELLO.clone();
        wrongVersion[1] = 0x03;
        junk.add(wrongVersion);
        final byte[] notHello = VerifierAgentTest.HELLO.clone();
        notHello[13] = 3;
        junk.add(notHello);
        junk.add(Arrays.copyOf(VerifierAgentTest.HELLO, 30));
        junk.add(new byte[0]);
        junk.add(new byte[]{22});
        junk.add(new byte[VerifierAgentTest.HELLO.length]);
        return junk;
    }

    private static byte[] hello(final int length)
    {
        return Arrays.copyOf(VerifierAgentTest.HELLO, length);
    }

    private static byte[] record(final int type, final int major, final int length)
    {
        final byte[] bytes = new byte[length];
        bytes[0] = (byte)type;
        if (length > 1)
        {
            bytes[1] = (byte)major;
        }
        if (length > 2)
        {
            bytes[2] = (byte)0xFD;
        }
        return bytes;
    }

    private static MmsgBatchSocket open(final BatchSocket.Context context)
    {
        return new MmsgBatchSocket(context.bindAddress(LOOPBACK));
    }

    private static DatagramChannel sender() throws IOException
    {
        final DatagramChannel channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(LOOPBACK, 0));
        return channel;
    }

    private static void send(final DatagramChannel sender, final BatchSocket socket, final byte[] payload)
        throws IOException
    {
        final int sent = sender.send(ByteBuffer.wrap(payload), new InetSocketAddress(LOOPBACK, socket.localPort()));
        assertEquals(payload.length, sent);
    }

    /** Receive until a datagram of the marker's length arrives; returns every datagram received, in order. */
    private static List<byte[]> receiveUntil(final BatchSocket socket, final int markerLength)
    {
        final List<byte[]> received = new ArrayList<>();
        final long deadline = System.nanoTime() + WAIT_NS;
        while (received.isEmpty() || received.getLast().length != markerLength)
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("the last datagram did not arrive; received " + received.size());
            }
            socket.awaitReceive(10);
            final int count = socket.receive();
            for (int i = 0; i < count; i++)
            {
                final byte[] bytes = new byte[socket.received(i).length()];
                socket.received(i).buffer().getBytes(0, bytes);
                received.add(bytes);
            }
        }
        return received;
    }
}
