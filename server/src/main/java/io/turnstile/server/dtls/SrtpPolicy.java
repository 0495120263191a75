package io.turnstile.server.dtls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a server answers the client's {@code use_srtp} extension (RFC 5764 section 4.1): the profiles it accepts in
 * its order of preference, whether a session without SRTP is refused, and what it does with the client's MKI.
 * <ul>
 *     <li><b>Selection</b> (section 4.1.1): the first of the server's profiles that the client offered; the server
 *     never picks one the client did not offer.</li>
 *     <li><b>No shared profile, or no {@code use_srtp} at all</b> (section 4.1.1): the server sends no
 *     {@code use_srtp} and the session is plain DTLS; with {@link #required()} the handshake fails instead with
 *     handshake_failure, the "appropriate DTLS alert" the RFC leaves to the server.</li>
 *     <li><b>MKI</b> (section 4.1.1): a server that receives a non-empty {@code srtp_mki} MUST either echo the same value,
 *     saying it will use the MKI, or send an empty one, saying it will not. {@link #echoMki()} chooses: off by
 *     default, since only an application that puts the MKI into its SRTP packets may echo it.</li>
 * </ul>
 * Immutable; share one among all handshakes.
 */
public final class SrtpPolicy
{
    private final SrtpProfile[] profiles;
    private final boolean required;
    private final boolean echoMki;

    private SrtpPolicy(final SrtpProfile[] profiles, final boolean required, final boolean echoMki)
    {
        this.profiles = profiles;
        this.required = required;
        this.echoMki = echoMki;
    }

    /**
     * A policy offering these profiles, in this order of preference, SRTP optional, MKI declined.
     *
     * @param profiles at least one, no repeats.
     * @return the policy.
     * @throws IllegalArgumentException when empty or a profile repeats.
     */
    public static SrtpPolicy of(final SrtpProfile... profiles)
    {
        Objects.requireNonNull(profiles, "profiles must not be null");
        if (profiles.length == 0)
        {
            throw new IllegalArgumentException("an SRTP policy needs at least one profile");
        }
        for (int i = 0; i < profiles.length; i++)
        {
            Objects.requireNonNull(profiles[i], "profiles must not hold null");
            for (int j = 0; j < i; j++)
            {
                if (profiles[j] == profiles[i])
                {
                    throw new IllegalArgumentException("SRTP profile " + profiles[i] + " listed twice");
                }
            }
        }
        return new SrtpPolicy(profiles.clone(), false, false);
    }

    /**
     * A policy from a comma-separated list of IANA or OpenSSL names, e.g.
     * {@code SRTP_AES128_CM_HMAC_SHA1_80,SRTP_AEAD_AES_128_GCM} or {@code SRTP_AES128_CM_SHA1_80}.
     *
     * @param list the names in preference order.
     * @return the policy, SRTP optional, MKI declined.
     * @throws IllegalArgumentException naming an unknown or repeated profile, or an empty list.
     */
    public static SrtpPolicy parse(final String list)
    {
        Objects.requireNonNull(list, "list must not be null");
        final List<SrtpProfile> parsed = new ArrayList<>();
        for (final String name : list.split(","))
        {
            if (!name.isBlank())
            {
                parsed.add(SrtpProfile.ofName(name));
            }
        }
        return of(parsed.toArray(new SrtpProfile[0]));
    }

    /**
     * The same profiles with the given rule for clients that share none.
     *
     * @param required true: refuse (handshake_failure) a client that offers no profile of this policy.
     * @return a new policy.
     */
    public SrtpPolicy required(final boolean required)
    {
        return new SrtpPolicy(profiles, required, echoMki);
    }

    /**
     * The same profiles with the given MKI rule.
     *
     * @param echoMki true: echo the client's {@code srtp_mki} (the application will use it); false: answer with an
     *                empty one (it will not).
     * @return a new policy.
     */
    public SrtpPolicy echoMki(final boolean echoMki)
    {
        return new SrtpPolicy(profiles, required, echoMki);
    }

    /**
     * Whether a session without SRTP is refused.
     *
     * @return true when required.
     */
    public boolean required()
    {
        return required;
    }

    /**
     * Whether the client's MKI is echoed.
     *
     * @return true when echoed.
     */
    public boolean echoMki()
    {
        return echoMki;
    }

    /**
     * The profiles, most preferred first.
     *
     * @return a copy.
     */
    public SrtpProfile[] profiles()
    {
        return profiles.clone();
    }

    /**
     * Server preference among the client's offer (RFC 5764 section 4.1.1).
     *
     * @param offered the client's code points, in its order; may hold ones Turnstile does not know.
     * @return the first of this policy's profiles the client offered, or null when none.
     */
    public SrtpProfile select(final int[] offered)
    {
        if (null == offered)
        {
            return null;
        }
        for (final SrtpProfile profile : profiles)
        {
            for (final int value : offered)
            {
                if (value == profile.value())
                {
                    return profile;
                }
            }
        }
        return null;
    }

    /**
     * The IANA names, comma-separated, with the rules: for the start-up log.
     *
     * @return e.g. {@code SRTP_AES128_CM_HMAC_SHA1_80,SRTP_AEAD_AES_128_GCM (required)}.
     */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final SrtpProfile profile : profiles)
        {
            sb.append(sb.isEmpty() ? "" : ",").append(profile.name());
        }
        return sb + (required ? " (required)" : " (optional)") + (echoMki ? ", MKI echoed" : "");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof SrtpPolicy that && Arrays.equals(profiles, that.profiles) &&
            required == that.required && echoMki == that.echoMki;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return Arrays.hashCode(profiles) * 31 + (required ? 2 : 0) + (echoMki ? 1 : 0);
    }
}
