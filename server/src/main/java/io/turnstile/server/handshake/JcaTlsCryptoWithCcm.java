package io.turnstile.server.handshake;

import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.io.IOException;
import java.security.SecureRandom;

/**
 * BouncyCastle's {@link JcaTlsCrypto} over the JDK's providers for everything the JDK has, and BouncyCastle's
 * lightweight AES-CCM ({@link BcTlsCrypto}) for the one thing it lacks: the JDK ships no {@code AES/CCM/NoPadding},
 * so a plain JcaTlsCrypto reports every CCM and CCM_8 suite unsupported.
 * <p>
 * Why not {@link BcTlsCrypto} throughout: the JDK's AES-GCM, SHA-2 and EC code have CPU intrinsics and were about
 * twice as fast in this project's benchmarks. Why CCM at all: CoAP (RFC 7252 section 9.1.3.1 and 9.1.3.2) mandates
 * {@code TLS_PSK_WITH_AES_128_CCM_8} and {@code TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8}, and constrained clients often
 * offer nothing else.
 * <p>
 * The CCM record ciphers are built by {@link BcTlsCrypto#createCipher}: BouncyCastle's own AES engine and CCM mode,
 * keyed from this crypto's master secret (the key block is derived through the {@link TlsCryptoParameters}, whatever
 * crypto made them). Everything else, key exchange and signatures included, stays on the JDK.
 */
public final class JcaTlsCryptoWithCcm extends JcaTlsCrypto
{
    private final BcTlsCrypto lightweight;

    private JcaTlsCryptoWithCcm(
        final JcaJceHelper helper,
        final JcaJceHelper altHelper,
        final SecureRandom entropySource,
        final SecureRandom nonceEntropySource)
    {
        super(helper, altHelper, entropySource, nonceEntropySource);
        this.lightweight = new BcTlsCrypto(entropySource);
    }

    /**
     * A crypto over the JDK's default providers, with BouncyCastle's AES-CCM.
     *
     * @param random for key material and the seed of nonces, as {@link JcaTlsCryptoProvider#create(SecureRandom)}.
     * @return the crypto.
     */
    public static JcaTlsCryptoWithCcm create(final SecureRandom random)
    {
        // The provider derives the nonce entropy source from random, as it does for a plain JcaTlsCrypto.
        return (JcaTlsCryptoWithCcm)new Provider().create(random);
    }

    /**
     * Whether the algorithm is one of the AES-CCM ones this class builds with BouncyCastle's lightweight engine.
     *
     * @param encryptionAlgorithm a {@link EncryptionAlgorithm} value.
     * @return true for AES_128_CCM, AES_128_CCM_8, AES_256_CCM and AES_256_CCM_8.
     */
    public static boolean isAesCcm(final int encryptionAlgorithm)
    {
        return switch (encryptionAlgorithm)
        {
            case EncryptionAlgorithm.AES_128_CCM, EncryptionAlgorithm.AES_128_CCM_8, EncryptionAlgorithm.AES_256_CCM,
                EncryptionAlgorithm.AES_256_CCM_8 -> true;
            default -> false;
        };
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean hasEncryptionAlgorithm(final int encryptionAlgorithm)
    {
        return isAesCcm(encryptionAlgorithm) || super.hasEncryptionAlgorithm(encryptionAlgorithm);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public TlsCipher createCipher(
        final TlsCryptoParameters cryptoParams, final int encryptionAlgorithm, final int macAlgorithm)
        throws IOException
    {
        if (isAesCcm(encryptionAlgorithm))
        {
            return lightweight.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
        }
        return super.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
    }

    /**
     * JcaTlsCryptoProvider's factory, making this class instead of a plain JcaTlsCrypto.
     */
    private static final class Provider extends JcaTlsCryptoProvider
    {
        @Override
        public JcaTlsCrypto create(final SecureRandom keyRandom, final SecureRandom nonceRandom)
        {
            return new JcaTlsCryptoWithCcm(getHelper(), getAltHelper(), keyRandom, nonceRandom);
        }
    }
}
