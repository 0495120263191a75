package io.turnstile.server.handshake;

import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group policy on this JVM's real crypto: the JDK has no binary, brainpool or secp256k1 curves, so those candidates
 * must be refused by the probe, whatever the client lists first.
 */
class NamedGroupPolicyTest
{
    private static final int[] CLIENT_ODD_CURVES_FIRST =
    {
        NamedGroup.sect571r1, NamedGroup.brainpoolP512r1, NamedGroup.secp256k1, NamedGroup.secp384r1,
        NamedGroup.secp256r1, NamedGroup.x25519,
    };
    private static JcaTlsCrypto crypto;
    private static NamedGroupPolicy policy;

    @BeforeAll
    static void probe()
    {
        crypto = JcaTlsCryptoWithCcm.create(new SecureRandom());
        policy = NamedGroupPolicy.probe(crypto, NamedGroupPolicy.EC_PREFERENCE,
            NamedGroupPolicy.FINITE_FIELD_PREFERENCE);
    }

    @Test
    void shouldKeepOnlyGroupsWhoseKeyAgreementWorks()
    {
        final NamedGroupPolicy probed = NamedGroupPolicy.probe(crypto, new int[]{
            NamedGroup.sect571r1, NamedGroup.x25519, NamedGroup.brainpoolP512r1, NamedGroup.secp256k1,
            NamedGroup.secp256r1 }, new int[0]);
        assertArrayEquals(new int[]{ NamedGroup.x25519, NamedGroup.secp256r1 }, probed.groups());
        assertTrue(probed.refused().contains("sect571r1"), probed.refused());
        assertTrue(probed.refused().contains("brainpoolP512r1"), probed.refused());
        assertFalse(probed.isUsable(NamedGroup.sect571r1));
    }

    @Test
    void shouldKeepEveryPreferredGroupOnThisJdk()
    {
        assertArrayEquals(new int[]{ NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.x448, NamedGroup.secp384r1,
            NamedGroup.secp521r1, NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096 }, policy.groups());
        assertEquals("", policy.refused());
        assertEquals("x25519, secp256r1, x448, secp384r1, secp521r1, ffdhe2048, ffdhe3072, ffdhe4096",
            policy.describe());
    }

    @Test
    void shouldSelectByServerPreferenceNotClientOrder()
    {
        assertEquals(NamedGroup.x25519, policy.selectEcdh(CLIENT_ODD_CURVES_FIRST, 1));
        assertEquals(NamedGroup.secp384r1,
            policy.selectEcdh(new int[]{ NamedGroup.brainpoolP512r1, NamedGroup.secp384r1 }, 1));
        assertEquals(NamedGroup.secp384r1, policy.selectEcdh(CLIENT_ODD_CURVES_FIRST, 384));
        assertEquals(384, policy.maximumCurveBits(CLIENT_ODD_CURVES_FIRST));
    }

    @Test
    void shouldChooseNistCurveWhenClientSendsNoGroups()
    {
        assertEquals(NamedGroup.secp256r1, policy.selectEcdh(null, 1));
        assertEquals(521, policy.maximumCurveBits(null));
    }

    @Test
    void shouldOfferNoCurveWhenClientListsOnlyUnusableOnes()
    {
        final int[] unusable = { NamedGroup.sect571r1, NamedGroup.brainpoolP512r1 };
        assertEquals(-1, policy.selectEcdh(unusable, 1));
        assertEquals(0, policy.maximumCurveBits(unusable), "so BouncyCastle drops the ECDHE suites");
    }

    @Test
    void shouldChooseFiniteFieldGroupByRfc7919()
    {
        final int[] curvesOnly = { NamedGroup.x25519 };
        assertEquals(NamedGroup.ffdhe2048, policy.selectFiniteField(curvesOnly, 1),
            "no FFDHE group listed: the server picks its own");
        assertEquals(NamedGroup.ffdhe2048, policy.selectFiniteField(null, 1));
        assertEquals(NamedGroup.ffdhe3072,
            policy.selectFiniteField(new int[]{ NamedGroup.ffdhe8192, NamedGroup.ffdhe3072 }, 1));
        final int[] onlyUnoffered = { NamedGroup.ffdhe8192 };
        assertEquals(-1, policy.selectFiniteField(onlyUnoffered, 1));
        assertEquals(0, policy.maximumFiniteFieldBits(onlyUnoffered));
        assertEquals(4096, policy.maximumFiniteFieldBits(curvesOnly));
    }

    @Test
    void shouldRefuseCryptoWithNoUsableGroup()
    {
        assertThrows(IllegalStateException.class,
            () -> NamedGroupPolicy.probe(crypto, new int[]{ NamedGroup.sect571r1 }, new int[0]));
    }
}
