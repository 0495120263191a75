package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NioResponderChannelTest
{
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
    private final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);

    @Test
    @Timeout(30)
    void shouldBindANonBlockingReusePortChannelOnTheContextsAddress() throws Exception
    {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        try (NioResponderChannel socket = new NioResponderChannel(context(loopback, 0)))
        {
            final int port = socket.open();
            assertTrue(port > 0, "port " + port);
            assertFalse(socket.channel().isBlocking());
            assertEquals(new InetSocketAddress(loopback, port), socket.channel().getLocalAddress());
            assertNull(socket.channel().receive(ByteBuffer.allocate(64)), "nothing waiting, no blocking");

            final Responder.Context sharing = context(loopback, port);
            try (NioResponderChannel reuser = new NioResponderChannel(sharing))
            {
                assertEquals(port, reuser.open(), "SO_REUSEPORT lets a second worker bind the same port");
            }
        }
    }

    @Test
    void shouldPublishEachCountOncePerBatchAndStartAgainFromZero()
    {
        try (NioResponderChannel socket = new NioResponderChannel(context(InetAddress.getLoopbackAddress(), 0)))
        {
            for (int i = 0; i < NioResponderChannel.PUBLISH_EVERY - 1; i++)
            {
                switch (i % 4)
                {
                    case 0 -> socket.count(VerifyOutcome.REPLY, true);
                    case 1 -> socket.count(VerifyOutcome.REPLY, false);
                    case 2 -> socket.count(VerifyOutcome.VERIFIED, false);
                    default -> socket.count(VerifyOutcome.DROP, false);
                }
            }
            assertEquals(0, count(WorkerCounter.RECEIVED), "not a batch yet");

            socket.count(VerifyOutcome.DROP, false);
            assertEquals(NioResponderChannel.PUBLISH_EVERY, count(WorkerCounter.RECEIVED));
            assertEquals(16, count(WorkerCounter.REPLIES));
            assertEquals(16, count(WorkerCounter.SEND_FAILED));
            assertEquals(16, count(WorkerCounter.VERIFIED));
            assertEquals(16, count(WorkerCounter.DROPPED));

            socket.publish();
            assertEquals(NioResponderChannel.PUBLISH_EVERY, count(WorkerCounter.RECEIVED), "nothing new to add");
            socket.count(VerifyOutcome.VERIFIED, false);
        }
        assertEquals(NioResponderChannel.PUBLISH_EVERY + 1, count(WorkerCounter.RECEIVED), "close publishes the rest");
        assertEquals(17, count(WorkerCounter.VERIFIED));
    }

    private long count(final WorkerCounter counter)
    {
        return counters[counter.ordinal()].get();
    }

    private Responder.Context context(final InetAddress bind, final int port)
    {
        return new Responder.Context(CookieKeys.random(), counters, bind, port, 64, -1, 0, false);
    }
}
