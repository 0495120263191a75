package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
}
