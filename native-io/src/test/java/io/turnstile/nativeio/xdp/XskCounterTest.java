package io.turnstile.nativeio.xdp;

import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XskCounterTest
{
    @Test
    void shouldUseTheFirstHalfOfTheXdpKindWithStableIds()
    {
        assertEquals(4501, XskCounter.RX.typeId());
        for (final XskCounter counter : XskCounter.values())
        {
            assertEquals("xdp", CounterTypes.kind(counter.typeId()));
            assertTrue(counter.typeId() < CounterTypes.XDP_FIRST + io.turnstile.nativeio.VerifierServer.XDP_PROGRAM_OFFSET);
            assertEquals(counter, XskCounter.ofTypeId(counter.typeId()));
        }
        assertNull(XskCounter.ofTypeId(CounterTypes.XDP_FIRST));
        assertNull(XskCounter.ofTypeId(CounterTypes.XDP_FIRST + 1 + XskCounter.values().length));
    }

    @Test
    void shouldAllocateOnePerKindWithTheWorkerInKeyAndLabel()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.COUNTER_LENGTH)));
        final AtomicCounter[] counters = XskCounter.allocate(manager, 3);
        assertEquals(XskCounter.values().length, counters.length);
        assertEquals("AF_XDP datagrams sent: worker=3", manager.getCounterLabel(counters[XskCounter.TX.ordinal()].id()));
        assertEquals(XskCounter.TX.typeId(), manager.getCounterTypeId(counters[XskCounter.TX.ordinal()].id()));
    }
}
