package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BatchSocketsTest
{
    @Test
    @Timeout(10)
    void shouldOpenTheNativeSocketWhereAvailable()
    {
        assumeTrue(LibC.isAvailable());
        final List<String> notices = new ArrayList<>();
        try (BatchSocket socket = BatchSockets.open(new BatchSocket.Context()
            .bindAddress(InetAddress.getLoopbackAddress()).notice(notices::add)))
        {
            assertInstanceOf(MmsgBatchSocket.class, socket);
        }
        assertTrue(notices.isEmpty());
    }

    @Test
    @Timeout(10)
    void shouldOpenNioWhenForcedWithoutANotice()
    {
        final List<String> notices = new ArrayList<>();
        try (BatchSocket socket = BatchSockets.open(new BatchSocket.Context()
            .bindAddress(InetAddress.getLoopbackAddress()).forceNio(true).notice(notices::add)))
        {
            assertInstanceOf(NioBatchSocket.class, socket);
        }
        assertTrue(notices.isEmpty());
    }

    @Test
    @Timeout(10)
    void shouldFallBackToNioAndSaySoOnce()
    {
        final List<String> notices = new ArrayList<>();
        final AtomicBoolean noticed = new AtomicBoolean();
        for (int i = 0; i < 3; i++)
        {
            try (BatchSocket socket = BatchSockets.open(new BatchSocket.Context()
                .bindAddress(InetAddress.getLoopbackAddress()).notice(notices::add), false, noticed))
            {
                assertInstanceOf(NioBatchSocket.class, socket);
            }
        }
        assertEquals(1, notices.size(), notices::toString);
        assertTrue(notices.getFirst().contains("NIO"), notices.getFirst());
    }

    @Test
    @Timeout(10)
    void shouldRefuseBadConfigurationNamingTheValue()
    {
        assertRefused("batchSize", new BatchSocket.Context().batchSize(0));
        assertRefused("batchSize", new BatchSocket.Context().batchSize(BatchSocket.Context.MAX_BATCH_SIZE + 1));
        assertRefused("slotBytes", new BatchSocket.Context().slotBytes(100));
        assertRefused("port", new BatchSocket.Context().port(65_536));
        assertRefused("receiveBufferBytes", new BatchSocket.Context().receiveBufferBytes(1));
        assertRefused("sendBufferBytes", new BatchSocket.Context().sendBufferBytes(-1));

        final BatchSocket.Context defaults = new BatchSocket.Context().conclude();
        assertEquals(BatchSocket.Context.DEFAULT_BATCH_SIZE, defaults.batchSize());
        assertEquals(2048, defaults.slotBytes());
        assertEquals(4 * 1024 * 1024, defaults.receiveBufferBytes());
        assertTrue(defaults.bindAddress().isAnyLocalAddress());
        assertTrue(defaults.reusePort());
    }

    private static void assertRefused(final String name, final BatchSocket.Context context)
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, context::conclude);
        assertTrue(refused.getMessage().startsWith(name), refused.getMessage());
    }
}
