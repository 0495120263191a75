package io.turnstile.nativeio;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@link BatchSocket} contract over recvmmsg/sendmmsg, plus what only the native socket does.
 */
class MmsgBatchSocketTest extends BatchSocketContract
{
    @BeforeEach
    void requireNative()
    {
        assumeTrue(LibC.isAvailable(), "recvmmsg/sendmmsg bindings need x86_64 Linux");
    }

    @Override
    BatchSocket open(final BatchSocket.Context context)
    {
        return new MmsgBatchSocket(context);
    }

    @Test
    @Timeout(10)
    void shouldServeIpv4PeersOnADualStackSocketAsMappedAddresses() throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("::")));
            DatagramChannel client = peer("127.0.0.1"))
        {
            final InetSocketAddress server = new InetSocketAddress(address("127.0.0.1"), socket.localPort());
            client.send(ByteBuffer.wrap(payload(1, 2)), server);

            final List<Received> received = receive(socket, 1, BatchSocketContract::echoHeader);

            assertArrayEquals(payload(1, 2), received.getFirst().payload());
            final byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 127, 0, 0, 1};
            assertArrayEquals(mapped, received.getFirst().address());
            assertEquals(peerPort(client), received.getFirst().port());
            final ByteBuffer reply = awaitReply(client, server);
            assertEquals('R', reply.get());
            assertEquals(1, reply.getInt());
        }
    }

    @Test
    @Timeout(10)
    void shouldSendTo4ByteAddressesFromADualStackSocket() throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("::")));
            DatagramChannel client = peer("127.0.0.1"))
        {
            final int slot = socket.nextSendSlot();
            socket.sendBuffer(slot).putInt(0, 42, ByteOrder.BIG_ENDIAN);
            socket.stage(slot, 4, scratch.at(new UnsafeBuffer(new byte[]{127, 0, 0, 1}), 0, 4, peerPort(client)));

            assertEquals(1, socket.flush());
            assertEquals(42, awaitReply(client, new InetSocketAddress(address("127.0.0.1"), socket.localPort()))
                .getInt());
        }
    }

    @Test
    @Timeout(10)
    void shouldShareAPortWithReusePortAndRefuseItWithout()
    {
        try (BatchSocket first = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")));
            BatchSocket second = open(
                new BatchSocket.Context().bindAddress(address("127.0.0.1")).port(first.localPort())))
        {
            assertEquals(first.localPort(), second.localPort());
            final NativeIoException refused = assertThrows(NativeIoException.class, () -> open(
                new BatchSocket.Context().bindAddress(address("127.0.0.1")).port(first.localPort()).reusePort(false)));
            assertEquals(Errno.EADDRINUSE, refused.errno());
            assertTrue(refused.getMessage().contains("EADDRINUSE"), refused.getMessage());
        }
    }

    @Test
    @Timeout(10)
    void shouldCountADatagramTruncatedToItsSlot() throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")).slotBytes(512));
            DatagramChannel client = peer("127.0.0.1"))
        {
            final byte[] big = new byte[600];
            big[511] = 7;
            client.send(ByteBuffer.wrap(big), new InetSocketAddress(address("127.0.0.1"), socket.localPort()));

            final List<Received> received = receive(socket, 1, null);

            assertEquals(512, received.getFirst().payload().length);
            assertEquals(7, received.getFirst().payload()[511]);
            assertEquals(1, socket.receiveTruncated());
        }
    }

    @Test
    @Timeout(10)
    void shouldNameTheErrnoOfADatagramTooLongToSend() throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1"))
            .batchSize(2).slotBytes(BatchSocket.Context.MAX_SLOT_BYTES));
            DatagramChannel client = peer("127.0.0.1"))
        {
            final UnsafeBuffer destination = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
            socket.stage(socket.nextSendSlot(), BatchSocket.Context.MAX_SLOT_BYTES, scratch.at(destination, 0, 4, peerPort(client)));
            socket.stage(socket.nextSendSlot(), 10, scratch.at(destination, 0, 4, peerPort(client)));

            assertEquals(1, socket.flush(), "65535 bytes exceed the largest IPv4 UDP payload, 65507");

            assertEquals(1, socket.sendFailed());
            assertEquals("EMSGSIZE", socket.lastSendError());
            assertEquals(Errno.EMSGSIZE, ((MmsgBatchSocket)socket).lastSendErrno());
            assertEquals(10, awaitReply(client, new InetSocketAddress(address("127.0.0.1"), socket.localPort()))
                .remaining());
        }
    }

    @Test
    @Timeout(10)
    void shouldStayConfinedToTheThreadThatOpenedIt() throws InterruptedException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1"))))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread other = new Thread(() ->
            {
                try
                {
                    socket.receive();
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            });
            other.start();
            other.join();

            assertInstanceOf(WrongThreadException.class, failure.get());
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseUseAfterClose()
    {
        final MmsgBatchSocket socket = (MmsgBatchSocket)open(new BatchSocket.Context().bindAddress(address("::1")));
        socket.close();

        assertThrows(IllegalStateException.class, socket::receive, "the arena is closed with the socket");
    }
}
