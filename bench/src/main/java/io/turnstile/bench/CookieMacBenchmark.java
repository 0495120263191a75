package io.turnstile.bench;

import io.turnstile.cookie.AesCmac;
import io.turnstile.cookie.CookieMac;
import io.turnstile.cookie.DigestHmac;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.cookie.PrecomputedHmac;
import org.agrona.BitUtil;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.Mac;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.CMac;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cookie MAC candidates, one MAC of {@code inputLength} bytes into a preallocated array per operation.
 * <p>
 * 64 bytes is about the fixed fields a cookie binds; 200 is what a real OpenSSL hello's bound fields come to (its
 * cipher_suites list dominates), so the difference is the cost of binding the variable-length fields. Every
 * candidate is reached through the same {@link MacFunction} interface (one implementation per fork, so the call is
 * monomorphic) and does the same work: one keyed MAC over the same bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class CookieMacBenchmark
{
    /**
     * The MACs compared.
     */
    public enum Candidate
    {
        /** Turnstile's AES-128-CMAC on the JDK's AES/CBC intrinsic. */
        AES_CMAC,
        /** Turnstile's HMAC-SHA256 restoring precomputed ipad/opad states. */
        PRECOMPUTED_HMAC_SHA256,
        /** Turnstile's HMAC-SHA1 restoring precomputed ipad/opad states. */
        PRECOMPUTED_HMAC_SHA1,
        /** Turnstile's portable HMAC-SHA256, hashing ipad and opad per message. */
        DIGEST_HMAC_SHA256,
        /** Turnstile's portable HMAC-SHA1, hashing ipad and opad per message. */
        DIGEST_HMAC_SHA1,
        /** The JDK's {@code javax.crypto.Mac} HmacSHA256: the reference, which allocates. */
        JDK_HMAC_SHA256,
        /** BouncyCastle lightweight {@code HMac(SHA256Digest)}. */
        BC_HMAC_SHA256,
        /** BouncyCastle lightweight {@code HMac(SHA1Digest)}. */
        BC_HMAC_SHA1,
        /** BouncyCastle lightweight {@code CMac(AESEngine)}. */
        BC_CMAC_AES
    }

    /**
     * One keyed MAC.
     */
    @FunctionalInterface
    interface MacFunction
    {
        /**
         * MAC {@code input[0, length)} into {@code output} from 0.
         *
         * @param input  message.
         * @param length of the message.
         * @param output receiving the MAC.
         */
        void compute(byte[] input, int length, byte[] output);
    }

    /** The MAC. */
    @Param({
        "AES_CMAC", "PRECOMPUTED_HMAC_SHA256", "PRECOMPUTED_HMAC_SHA1", "DIGEST_HMAC_SHA256", "DIGEST_HMAC_SHA1",
        "JDK_HMAC_SHA256", "BC_HMAC_SHA256", "BC_HMAC_SHA1", "BC_CMAC_AES"})
    public Candidate candidate;

    /** Bytes MACed per operation. */
    @Param({"64", "200"})
    public int inputLength;

    private MacFunction function;
    private byte[] input;
    private final byte[] output = new byte[64];

    /**
     * Key the candidate and check its output against an independent implementation of the same MAC.
     *
     * @throws GeneralSecurityException when the JDK lacks a reference algorithm.
     */
    @Setup(Level.Trial)
    public void setup() throws GeneralSecurityException
    {
        input = new byte[inputLength];
        for (int i = 0; i < inputLength; i++)
        {
            input[i] = (byte)(i * 131 + 7);
        }
        function = create(candidate);

        final byte[] message = Arrays.copyOf(input, input.length);
        final byte[] actual = new byte[64];
        create(candidate).compute(message, inputLength, actual);
        final byte[] expected = new byte[64];
        final int length = reference(candidate, Arrays.copyOf(input, inputLength), expected);
        if (!Arrays.equals(actual, 0, length, expected, 0, length))
        {
            throw new IllegalStateException(candidate + " over " + inputLength + " bytes gave " +
                BitUtil.toHex(actual, 0, length) + ", expected " + BitUtil.toHex(expected, 0, length));
        }
    }

    /**
     * One MAC.
     *
     * @return the output array, so that the MAC is not dead code.
     */
    @Benchmark
    public byte[] mac()
    {
        function.compute(input, inputLength, output);
        return output;
    }

    private static MacFunction create(final Candidate candidate) throws GeneralSecurityException
    {
        return switch (candidate)
        {
            case AES_CMAC -> turnstile(new AesCmac());
            case PRECOMPUTED_HMAC_SHA256 -> turnstile(new PrecomputedHmac(MacAlgorithm.HMAC_SHA256));
            case PRECOMPUTED_HMAC_SHA1 -> turnstile(new PrecomputedHmac(MacAlgorithm.HMAC_SHA1));
            case DIGEST_HMAC_SHA256 -> turnstile(new DigestHmac(MacAlgorithm.HMAC_SHA256));
            case DIGEST_HMAC_SHA1 -> turnstile(new DigestHmac(MacAlgorithm.HMAC_SHA1));
            case JDK_HMAC_SHA256 -> jdk("HmacSHA256", MacAlgorithm.HMAC_SHA256);
            case BC_HMAC_SHA256 -> bouncyCastle(new HMac(new SHA256Digest()), MacAlgorithm.HMAC_SHA256);
            case BC_HMAC_SHA1 -> bouncyCastle(new HMac(new SHA1Digest()), MacAlgorithm.HMAC_SHA1);
            case BC_CMAC_AES -> bouncyCastle(new CMac(AESEngine.newInstance()), MacAlgorithm.AES_CMAC);
        };
    }

    private static MacFunction turnstile(final CookieMac mac)
    {
        mac.init(key(mac.algorithm()));
        return (input, length, output) -> mac.compute(input, 0, length, output, 0);
    }

    private static MacFunction jdk(final String name, final MacAlgorithm algorithm) throws GeneralSecurityException
    {
        final javax.crypto.Mac mac = javax.crypto.Mac.getInstance(name);
        mac.init(new SecretKeySpec(key(algorithm), name));
        return (input, length, output) ->
        {
            mac.update(input, 0, length);
            try
            {
                mac.doFinal(output, 0);
            }
            catch (final javax.crypto.ShortBufferException ex)
            {
                throw new IllegalStateException(ex);
            }
        };
    }

    private static MacFunction bouncyCastle(final Mac mac, final MacAlgorithm algorithm)
    {
        mac.init(new KeyParameter(key(algorithm)));
        return (input, length, output) ->
        {
            mac.update(input, 0, length);
            mac.doFinal(output, 0);
        };
    }

    /**
     * The same MAC computed by another implementation: the JDK's for HMAC, BouncyCastle's CMac for AES-CMAC (and
     * Turnstile's AesCmac for BouncyCastle's).
     */
    private static int reference(final Candidate candidate, final byte[] message, final byte[] out)
        throws GeneralSecurityException
    {
        final MacAlgorithm algorithm = switch (candidate)
        {
            case AES_CMAC, BC_CMAC_AES -> MacAlgorithm.AES_CMAC;
            case PRECOMPUTED_HMAC_SHA256, DIGEST_HMAC_SHA256, JDK_HMAC_SHA256, BC_HMAC_SHA256 ->
                MacAlgorithm.HMAC_SHA256;
            case PRECOMPUTED_HMAC_SHA1, DIGEST_HMAC_SHA1, BC_HMAC_SHA1 -> MacAlgorithm.HMAC_SHA1;
        };
        if (algorithm == MacAlgorithm.AES_CMAC)
        {
            final byte[] padded = message.clone();
            (candidate == Candidate.AES_CMAC ?
                bouncyCastle(new CMac(AESEngine.newInstance()), algorithm) :
                turnstile(new AesCmac())).compute(padded, message.length, out);
        }
        else
        {
            final String name = algorithm == MacAlgorithm.HMAC_SHA256 ? "HmacSHA256" : "HmacSHA1";
            final javax.crypto.Mac mac = javax.crypto.Mac.getInstance(name);
            mac.init(new SecretKeySpec(key(algorithm), name));
            System.arraycopy(mac.doFinal(message), 0, out, 0, algorithm.macLength());
        }
        return algorithm.macLength();
    }

    private static byte[] key(final MacAlgorithm algorithm)
    {
        final byte[] key = new byte[algorithm.keyLength()];
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)(0xA5 ^ (i * 17));
        }
        return key;
    }
}
