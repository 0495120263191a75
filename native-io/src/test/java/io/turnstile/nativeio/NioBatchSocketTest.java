package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link BatchSocket} contract over NIO, which runs everywhere.
 */
class NioBatchSocketTest extends BatchSocketContract
{
    @Override
    BatchSocket open(final BatchSocket.Context context)
    {
        return new NioBatchSocket(context);
    }

    @Test
    @Timeout(10)
    void shouldSayOnceThatItIgnoresTheKernelFilterAndReceiveEverything() throws IOException
    {
        final List<String> notices = new ArrayList<>();
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        try (BatchSocket first = open(new BatchSocket.Context().bindAddress(loopback).dtlsFilter(true)
            .notice(notices::add));
            BatchSocket second = open(new BatchSocket.Context().bindAddress(loopback).dtlsFilter(true)
                .notice(notices::add));
            DatagramChannel client = peer("127.0.0.1"))
        {
            assertEquals(1, notices.size(), notices.toString());
            assertTrue(notices.getFirst().contains("NIO ignores it"), notices.getFirst());

            client.send(ByteBuffer.wrap(new byte[]{1, 2, 3}), new InetSocketAddress(loopback, first.localPort()));
            assertEquals(3, receive(first, 1, null).getFirst().payload().length, "not DTLS, yet not filtered");
            assertEquals(0, second.receive());
        }
    }
}
