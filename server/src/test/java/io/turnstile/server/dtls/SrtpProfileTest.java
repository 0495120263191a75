package io.turnstile.server.dtls;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SrtpProfileTest
{
    @Test
    void shouldCarryTheIanaCodePointsAndKeyingMaterialLengths()
    {
        assertEquals(0x0001, SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80.value());
        assertEquals(0x0002, SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_32.value());
        assertEquals(0x0005, SrtpProfile.SRTP_NULL_HMAC_SHA1_80.value());
        assertEquals(0x0006, SrtpProfile.SRTP_NULL_HMAC_SHA1_32.value());
        assertEquals(0x0007, SrtpProfile.SRTP_AEAD_AES_128_GCM.value());
        assertEquals(0x0008, SrtpProfile.SRTP_AEAD_AES_256_GCM.value());
        assertEquals(60, SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80.keyingMaterialLength());
        assertEquals(60, SrtpProfile.SRTP_NULL_HMAC_SHA1_32.keyingMaterialLength());
        assertEquals(56, SrtpProfile.SRTP_AEAD_AES_128_GCM.keyingMaterialLength());
        assertEquals(88, SrtpProfile.SRTP_AEAD_AES_256_GCM.keyingMaterialLength());
    }

    @Test
    void shouldFindProfilesByIanaOrOpenSslNameAndByValue()
    {
        assertEquals(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80, SrtpProfile.ofName("SRTP_AES128_CM_HMAC_SHA1_80"));
        assertEquals(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80, SrtpProfile.ofName(" srtp_aes128_cm_sha1_80 "));
        assertEquals(SrtpProfile.SRTP_AEAD_AES_256_GCM, SrtpProfile.ofName("SRTP_AEAD_AES_256_GCM"));
        assertEquals(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_32, SrtpProfile.ofValue(2));
        assertNull(SrtpProfile.ofValue(0x0003), "a draft profile Turnstile does not negotiate");
        final IllegalArgumentException unknown =
            assertThrows(IllegalArgumentException.class, () -> SrtpProfile.ofName("SRTP_AES256_CM_SHA1_80"));
        assertTrue(unknown.getMessage().contains("known: SRTP_AES128_CM_HMAC_SHA1_80"), unknown.getMessage());
    }
}
