package io.turnstile.server.handshake;

import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsDHConfig;
import org.bouncycastle.tls.crypto.TlsECConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The key-exchange groups the echo server offers: those the crypto really completes a key agreement with, decided
 * once at start, and chosen in the server's order of preference, never the client's.
 * <p>
 * Why: BouncyCastle 1.84's {@code AbstractTlsServer.selectECDH} takes the first group in the client's
 * supported_groups that is big enough, without asking the crypto. A client listing {@code sect571r1} or
 * {@code brainpoolP512r1} first (BouncyCastle's own client can) then gets {@code internal_error} after the server's
 * Certificate, because the JDK has no binary or brainpool curves. Whether a crypto claims a group is not enough either:
 * which curves a JDK implements changes between releases and providers, so each candidate is proved by generating two
 * key pairs and agreeing on a secret.
 * <pre>
 *   preference   x25519, secp256r1, x448, secp384r1, secp521r1     (ECDHE suites)
 *                ffdhe2048, ffdhe3072, ffdhe4096                  (DHE suites; probed only when some are offered)
 * </pre>
 * RFC 8422 section 5.1 (ECDHE) and RFC 7919 section 4 (FFDHE): with a supported_groups extension the server must pick
 * a group the client listed; without one (or, for FFDHE, with no finite-field group in it) it may pick its own.
 */
public final class NamedGroupPolicy
{
    /** Elliptic-curve groups in the server's order of preference. */
    public static final int[] EC_PREFERENCE =
    {
        NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.x448, NamedGroup.secp384r1, NamedGroup.secp521r1,
    };

    /** Finite-field groups in the server's order of preference: the smaller the cheaper, all at least 2048 bits. */
    public static final int[] FINITE_FIELD_PREFERENCE =
    {
        NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096,
    };

    private final int[] groups;
    private final String refused;

    private NamedGroupPolicy(final int[] groups, final String refused)
    {
        this.groups = groups;
        this.refused = refused;
    }

    /**
     * Prove each candidate group with a full key agreement on the crypto, keeping those that work, in order.
     *
     * @param crypto      the crypto handshakes will use.
     * @param ecGroups    elliptic-curve candidates in preference order, e.g. {@link #EC_PREFERENCE}.
     * @param dhGroups    finite-field candidates in preference order; empty when no DHE suite is offered.
     * @return the policy.
     * @throws IllegalStateException when no candidate works at all.
     */
    public static NamedGroupPolicy probe(final TlsCrypto crypto, final int[] ecGroups, final int[] dhGroups)
    {
        final List<Integer> usable = new ArrayList<>();
        final StringBuilder refused = new StringBuilder();
        for (final int[] candidates : new int[][]{ ecGroups, dhGroups })
        {
            for (final int group : candidates)
            {
                final String failure = agreementFailure(crypto, group);
                if (null == failure)
                {
                    usable.add(group);
                }
                else
                {
                    refused.append(refused.isEmpty() ? "" : "; ").append(NamedGroup.getName(group)).append(": ")
                        .append(failure);
                }
            }
        }
        if (usable.isEmpty())
        {
            throw new IllegalStateException("no key-exchange group works with this crypto: " + refused);
        }
        return new NamedGroupPolicy(usable.stream().mapToInt(Integer::intValue).toArray(), refused.toString());
    }

    /**
     * Null when two parties on the crypto agree on a secret over the group, else why not.
     */
    private static String agreementFailure(final TlsCrypto crypto, final int group)
    {
        try
        {
            if (!crypto.hasNamedGroup(group))
            {
                return "not supported by the crypto";
            }
            final TlsAgreement a;
            final TlsAgreement b;
            if (NamedGroup.refersToASpecificFiniteField(group))
            {
                a = crypto.createDHDomain(new TlsDHConfig(group, false)).createDH();
                b = crypto.createDHDomain(new TlsDHConfig(group, false)).createDH();
            }
            else
            {
                a = crypto.createECDomain(new TlsECConfig(group)).createECDH();
                b = crypto.createECDomain(new TlsECConfig(group)).createECDH();
            }
            final byte[] publicA = a.generateEphemeral();
            final byte[] publicB = b.generateEphemeral();
            a.receivePeerValue(publicB);
            b.receivePeerValue(publicA);
            if (!Arrays.equals(a.calculateSecret().extract(), b.calculateSecret().extract()))
            {
                return "the two sides computed different secrets";
            }
            return null;
        }
        catch (final Exception | LinkageError ex)
        {
            // The JDK's failures here are IllegalArgumentException, IllegalStateException or IOException wrapping
            // "Curve not supported" and the like: all mean the same, the group is unusable.
            return ex.toString();
        }
    }

    /**
     * The usable groups, in preference order (elliptic curves first).
     *
     * @return a copy.
     */
    public int[] groups()
    {
        return groups.clone();
    }

    /**
     * Whether the group is usable.
     *
     * @param group a {@link NamedGroup} value.
     * @return true when it passed the probe.
     */
    public boolean isUsable(final int group)
    {
        for (final int usable : groups)
        {
            if (usable == group)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The ECDHE group to use: the first usable curve, in server order, that the client listed and that has at least
     * the bits the suite needs. Without a client list (RFC 8422 section 4 lets the server choose), the first usable
     * NIST curve: a client too old to send supported_groups predates x25519.
     *
     * @param clientGroups     the client's supported_groups, or null when it sent none.
     * @param minimumCurveBits from the cipher suite.
     * @return the group, or -1 when there is none.
     */
    public int selectEcdh(final int[] clientGroups, final int minimumCurveBits)
    {
        for (final int group : groups)
        {
            if (NamedGroup.refersToAnECDHCurve(group) && NamedGroup.getCurveBits(group) >= minimumCurveBits &&
                (null == clientGroups ? !NamedGroup.refersToAnXDHCurve(group) : contains(clientGroups, group)))
            {
                return group;
            }
        }
        return -1;
    }

    /**
     * The FFDHE group to use: the first usable one, in server order, that the client listed with at least the bits
     * needed; when the client listed no finite-field group at all, the first usable one (RFC 7919 section 4).
     *
     * @param clientGroups            the client's supported_groups, or null.
     * @param minimumFiniteFieldBits  from the cipher suite.
     * @return the group, or -1 when there is none.
     */
    public int selectFiniteField(final int[] clientGroups, final int minimumFiniteFieldBits)
    {
        final boolean clientListsFiniteFields = anyFiniteField(clientGroups);
        for (final int group : groups)
        {
            if (NamedGroup.refersToASpecificFiniteField(group) &&
                NamedGroup.getFiniteFieldBits(group) >= minimumFiniteFieldBits &&
                (!clientListsFiniteFields || contains(clientGroups, group)))
            {
                return group;
            }
        }
        return -1;
    }

    /**
     * The most curve bits an ECDHE suite could get with this client: BouncyCastle drops the ECDHE suites when it is
     * 0, so a client listing only curves this server cannot use gets {@code handshake_failure} (no common suite)
     * instead of an {@code internal_error} mid-handshake.
     *
     * @param clientGroups the client's supported_groups, or null.
     * @return bits, 0 when no usable curve is common.
     */
    public int maximumCurveBits(final int[] clientGroups)
    {
        int bits = 0;
        for (final int group : groups)
        {
            if (NamedGroup.refersToAnECDHCurve(group) &&
                (null == clientGroups ? !NamedGroup.refersToAnXDHCurve(group) : contains(clientGroups, group)))
            {
                bits = Math.max(bits, NamedGroup.getCurveBits(group));
            }
        }
        return bits;
    }

    /**
     * The most finite-field bits a DHE suite could get with this client, by the rule of
     * {@link #selectFiniteField(int[], int)}.
     *
     * @param clientGroups the client's supported_groups, or null.
     * @return bits, 0 when no usable group is acceptable.
     */
    public int maximumFiniteFieldBits(final int[] clientGroups)
    {
        final boolean clientListsFiniteFields = anyFiniteField(clientGroups);
        int bits = 0;
        for (final int group : groups)
        {
            if (NamedGroup.refersToASpecificFiniteField(group) &&
                (!clientListsFiniteFields || contains(clientGroups, group)))
            {
                bits = Math.max(bits, NamedGroup.getFiniteFieldBits(group));
            }
        }
        return bits;
    }

    /**
     * The usable groups by name, for the start-up log.
     *
     * @return e.g. "x25519, secp256r1, x448, secp384r1, secp521r1".
     */
    public String describe()
    {
        final StringBuilder sb = new StringBuilder();
        for (final int group : groups)
        {
            sb.append(sb.isEmpty() ? "" : ", ").append(NamedGroup.getName(group));
        }
        return sb.toString();
    }

    /**
     * Why each refused candidate was refused.
     *
     * @return "name: reason; ..." or empty when every candidate works.
     */
    public String refused()
    {
        return refused;
    }

    private static boolean anyFiniteField(final int[] clientGroups)
    {
        if (null != clientGroups)
        {
            for (final int group : clientGroups)
            {
                if (NamedGroup.isFiniteField(group))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean contains(final int[] values, final int value)
    {
        for (final int v : values)
        {
            if (v == value)
            {
                return true;
            }
        }
        return false;
    }
}
