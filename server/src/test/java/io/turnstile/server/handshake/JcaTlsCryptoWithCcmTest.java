package io.turnstile.server.handshake;

import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the crypto claims; that the CCM ciphers it builds work is shown by real handshakes in
 * {@link ServerCredentialsTest} and {@code ServeEchoInteropTest}.
 */
class JcaTlsCryptoWithCcmTest
{
    private static final int[] AES_CCM =
    {
        EncryptionAlgorithm.AES_128_CCM, EncryptionAlgorithm.AES_128_CCM_8, EncryptionAlgorithm.AES_256_CCM,
        EncryptionAlgorithm.AES_256_CCM_8,
    };

    @Test
    void shouldRunTheAesCcmThePlainJdkCryptoCannot()
    {
        final JcaTlsCrypto plain = new JcaTlsCryptoProvider().create(new SecureRandom());
        final JcaTlsCrypto withCcm = JcaTlsCryptoWithCcm.create(new SecureRandom());
        for (final int algorithm : AES_CCM)
        {
            assertFalse(plain.hasEncryptionAlgorithm(algorithm), "the JDK has no AES/CCM: " + algorithm);
            assertTrue(withCcm.hasEncryptionAlgorithm(algorithm), "BouncyCastle's lightweight CCM: " + algorithm);
            assertTrue(JcaTlsCryptoWithCcm.isAesCcm(algorithm));
        }
    }

    @Test
    void shouldKeepTheJdkAlgorithmsAsTheyAre()
    {
        final JcaTlsCrypto plain = new JcaTlsCryptoProvider().create(new SecureRandom());
        final JcaTlsCrypto withCcm = JcaTlsCryptoWithCcm.create(new SecureRandom());
        for (final int algorithm : new int[]{ EncryptionAlgorithm.AES_128_GCM, EncryptionAlgorithm.AES_256_GCM,
            EncryptionAlgorithm.AES_128_CBC, EncryptionAlgorithm.CHACHA20_POLY1305, EncryptionAlgorithm.SM4_CCM })
        {
            assertFalse(JcaTlsCryptoWithCcm.isAesCcm(algorithm));
            assertTrue(plain.hasEncryptionAlgorithm(algorithm) == withCcm.hasEncryptionAlgorithm(algorithm),
                "unchanged: " + algorithm);
        }
    }
}
