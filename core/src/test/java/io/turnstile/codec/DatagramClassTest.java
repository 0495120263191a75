package io.turnstile.codec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatagramClassTest
{
    @Test
    void shouldClassifyEveryFirstByteByRfc9443sRanges()
    {
        for (int b = 0; b < 256; b++)
        {
            final DatagramClass expected = b <= 3 ? DatagramClass.STUN : b <= 15 ? DatagramClass.UNASSIGNED :
                b <= 19 ? DatagramClass.ZRTP : b <= 63 ? DatagramClass.DTLS : b <= 79 ? DatagramClass.TURN_CHANNEL :
                b <= 127 ? DatagramClass.QUIC : b <= 191 ? DatagramClass.RTP_RTCP : DatagramClass.QUIC;
            assertEquals(expected, DatagramClass.of(b), "first byte " + b);
            assertEquals(expected == DatagramClass.DTLS, DatagramClass.isDtls(b), "first byte " + b);
        }
    }

    @Test
    void shouldTakeASignedByteAsItsUnsignedValue()
    {
        assertEquals(DatagramClass.RTP_RTCP, DatagramClass.of((byte)0x80));
        assertEquals(DatagramClass.QUIC, DatagramClass.of((byte)0xC3));
        assertTrue(DatagramClass.isDtls((byte)22));
        assertFalse(DatagramClass.isDtls((byte)0x96));
    }
}
