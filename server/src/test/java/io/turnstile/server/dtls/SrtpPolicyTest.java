package io.turnstile.server.dtls;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SrtpPolicyTest
{
    @Test
    void shouldSelectByServerPreferenceAmongTheClientsOffer()
    {
        final SrtpPolicy policy = SrtpPolicy.parse("SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_SHA1_80");
        assertEquals(SrtpProfile.SRTP_AEAD_AES_128_GCM, policy.select(new int[]{ 0x0001, 0x0007, 0x0008 }));
        assertEquals(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80, policy.select(new int[]{ 0x0002, 0x0001 }));
        assertNull(policy.select(new int[]{ 0x0002, 0xFFFF }), "never one the client did not offer");
        assertNull(policy.select(new int[0]));
        assertNull(policy.select(null));
    }

    @Test
    void shouldKeepTheRulesApartFromTheProfiles()
    {
        final SrtpPolicy policy = SrtpPolicy.of(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80);
        assertFalse(policy.required());
        assertFalse(policy.echoMki());
        final SrtpPolicy strict = policy.required(true).echoMki(true);
        assertTrue(strict.required());
        assertTrue(strict.echoMki());
        assertArrayEquals(policy.profiles(), strict.profiles());
        assertEquals("SRTP_AES128_CM_HMAC_SHA1_80 (required), MKI echoed", strict.toString());
    }

    @Test
    void shouldRefuseEmptyAndRepeatedLists()
    {
        assertThrows(IllegalArgumentException.class, () -> SrtpPolicy.parse(" , "));
        final IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
            () -> SrtpPolicy.parse("SRTP_AES128_CM_SHA1_80,SRTP_AES128_CM_HMAC_SHA1_80"));
        assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
    }
}
