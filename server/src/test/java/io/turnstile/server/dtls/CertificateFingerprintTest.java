package io.turnstile.server.dtls;

import org.bouncycastle.tls.Certificate;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertificateFingerprintTest
{
    @Test
    void shouldParseHexWithOrWithoutColonsAndSdpsPrefix()
    {
        final String hex = "ab".repeat(31) + "0f";
        final CertificateFingerprint plain = CertificateFingerprint.parse(hex);
        assertEquals(plain, CertificateFingerprint.parse(HexFormat.ofDelimiter(":").withUpperCase()
            .formatHex(HexFormat.of().parseHex(hex))));
        assertEquals(plain, CertificateFingerprint.parse("sha-256 " + hex.toUpperCase()));
        assertEquals("AB:".repeat(31) + "0F", plain.toString());
    }

    @Test
    void shouldRefuseWrongLengthsAndMisplacedColons()
    {
        assertThrows(IllegalArgumentException.class, () -> CertificateFingerprint.parse("ab".repeat(20)));
        assertThrows(IllegalArgumentException.class, () -> CertificateFingerprint.parse("zz".repeat(32)));
        assertThrows(IllegalArgumentException.class, () -> CertificateFingerprint.parse("abc:" + "ab".repeat(31)));
    }

    @Test
    void shouldAcceptExactlyTheLeafWithTheFingerprint() throws Exception
    {
        final SrtpTestPeers.Identity client = SrtpTestPeers.Identity.selfSigned("client");
        final SrtpTestPeers.Identity other = SrtpTestPeers.Identity.selfSigned("other");
        final CertificateFingerprint pinned = CertificateFingerprint.of(client.der());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(client.der()), pinned.bytes());
        assertTrue(pinned.accept(client.chain()));
        assertFalse(pinned.accept(other.chain()));
        assertFalse(pinned.accept(Certificate.EMPTY_CHAIN));
        assertEquals(pinned, CertificateFingerprint.ofLeaf(client.chain()));
    }
}
