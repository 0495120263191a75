package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FirstByteRangeTest
{
    @Test
    void shouldHoldTheRfc7983Ranges()
    {
        assertEquals(new FirstByteRange(0, 3), FirstByteRange.STUN);
        assertEquals(new FirstByteRange(128, 191), FirstByteRange.RTP_RTCP);
        assertEquals(new FirstByteRange(64, 79), FirstByteRange.TURN_CHANNEL);
    }

    @Test
    void shouldRefuseRangesOutsideAByte()
    {
        assertThrows(IllegalArgumentException.class, () -> new FirstByteRange(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> new FirstByteRange(0, 256));
        assertThrows(IllegalArgumentException.class, () -> new FirstByteRange(5, 4));
    }
}
