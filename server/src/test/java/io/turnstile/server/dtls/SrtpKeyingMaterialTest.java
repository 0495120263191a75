package io.turnstile.server.dtls;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SrtpKeyingMaterialTest
{
    @Test
    void shouldSplitTheMaterialAsRfc5764SectionFourTwoLaysItOut()
    {
        final byte[] material = new byte[60];
        for (int i = 0; i < material.length; i++)
        {
            material[i] = (byte)i;
        }
        final SrtpKeyingMaterial keys = new SrtpKeyingMaterial(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80, material);
        assertArrayEquals(range(0, 16), keys.clientMasterKey());
        assertArrayEquals(range(16, 32), keys.serverMasterKey());
        assertArrayEquals(range(32, 46), keys.clientMasterSalt());
        assertArrayEquals(range(46, 60), keys.serverMasterSalt());
        assertEquals("000102", keys.toHex().substring(0, 6));
        assertFalse(keys.toString().contains("0001"), "toString never shows keys");
    }

    @Test
    void shouldRefuseMaterialOfTheWrongLengthForTheProfile()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new SrtpKeyingMaterial(SrtpProfile.SRTP_AEAD_AES_128_GCM, new byte[60]));
    }

    private static byte[] range(final int from, final int to)
    {
        final byte[] bytes = new byte[to - from];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)(from + i);
        }
        return bytes;
    }
}
