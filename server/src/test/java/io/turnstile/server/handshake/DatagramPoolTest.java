package io.turnstile.server.handshake;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatagramPoolTest
{
    @Test
    void shouldMakeBuffersOnlyWhenNoneIsFree()
    {
        final DatagramPool pool = new DatagramPool(1472, 4);
        final PooledDatagram first = pool.acquire();
        assertEquals(1472, first.bytes().length);
        assertEquals(1, pool.created());
        pool.release(first);
        assertSame(first, pool.acquire(), "a released buffer is reused");
        assertEquals(1, pool.created());
        pool.acquire();
        assertEquals(2, pool.created());
    }

    @Test
    void shouldKeepAtMostTheRetainedNumberOfFreeBuffers()
    {
        final DatagramPool pool = new DatagramPool(64, 2);
        final PooledDatagram[] burst = new PooledDatagram[5];
        for (int i = 0; i < burst.length; i++)
        {
            burst[i] = pool.acquire();
        }
        for (final PooledDatagram datagram : burst)
        {
            pool.release(datagram);
        }
        assertEquals(2, pool.free(), "what a burst needed beyond the retained count is left to the collector");
        assertThrows(IllegalArgumentException.class, () -> new DatagramPool(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DatagramPool(64, 0));
    }
}
