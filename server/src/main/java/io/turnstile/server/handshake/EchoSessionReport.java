package io.turnstile.server.handshake;

import io.turnstile.server.dtls.CompletedHandshake;
import io.turnstile.server.dtls.HandshakeListener;
import io.turnstile.server.dtls.SrtpKeyingMaterial;
import io.turnstile.server.dtls.SrtpProfile;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * How {@code serve --echo --srtp} reports its sessions: one line per completed handshake (suite, SRTP profile, MKI,
 * client certificate; the exported keying material only with {@code --srtp-debug-keys}), and counts by SRTP profile
 * for the statistics ({@code "srtp":{"SRTP_AES128_CM_HMAC_SHA1_80":1,..,"none":0}}).
 * <p>
 * Lines stop after {@link #LOGGED_SESSIONS} sessions, so a crowd of clients cannot fill the log; the counts go on.
 */
public final class EchoSessionReport implements HandshakeListener
{
    /** Sessions reported line by line before only the counts go on. */
    public static final int LOGGED_SESSIONS = 1000;

    private static final SrtpProfile[] PROFILES = SrtpProfile.values();

    private final boolean logKeys;
    private final Consumer<String> log;
    private final AtomicLong[] byProfile = new AtomicLong[PROFILES.length + 1];
    private final AtomicInteger remainingLines = new AtomicInteger(LOGGED_SESSIONS);

    /**
     * A report.
     *
     * @param logKeys print the SRTP keying material (debugging only).
     * @param log     where the lines go; must not throw.
     */
    public EchoSessionReport(final boolean logKeys, final Consumer<String> log)
    {
        this.logKeys = logKeys;
        this.log = log;
        for (int i = 0; i < byProfile.length; i++)
        {
            byProfile[i] = new AtomicLong();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onHandshakeComplete(final CompletedHandshake handshake)
    {
        final SrtpProfile profile = handshake.srtpProfile();
        byProfile[null == profile ? PROFILES.length : profile.ordinal()].incrementAndGet();
        if (remainingLines.get() <= 0 || remainingLines.getAndDecrement() <= 0)
        {
            return;
        }
        final StringBuilder line = new StringBuilder("turnstile: session established: ")
            .append(handshake.cipherSuiteName())
            .append(", SRTP ").append(null == profile ? "none" : profile.name());
        if (null != profile)
        {
            final byte[] mki = handshake.srtpMki();
            line.append(", MKI ").append(mki.length == 0 ? "none" : java.util.HexFormat.of().formatHex(mki));
        }
        if (!handshake.clientCertificate().isEmpty())
        {
            line.append(", client certificate accepted");
        }
        final SrtpKeyingMaterial keys = handshake.srtpKeyingMaterial();
        if (logKeys && null != keys)
        {
            line.append(", keying material ").append(SrtpKeyingMaterial.EXPORTER_LABEL).append(' ')
                .append(keys.toHex());
        }
        log.accept(line.toString());
    }

    /**
     * Sessions established with this profile.
     *
     * @param profile the profile, or null for sessions without SRTP.
     * @return the count.
     */
    public long sessions(final SrtpProfile profile)
    {
        return byProfile[null == profile ? PROFILES.length : profile.ordinal()].get();
    }

    /**
     * Append {@code ,"srtp":{"PROFILE":n,..,"none":n}} (every profile, zeros included, so the keys are stable).
     *
     * @param sb the line being built.
     */
    public void appendJson(final StringBuilder sb)
    {
        sb.append(",\"srtp\":{");
        for (final SrtpProfile profile : PROFILES)
        {
            sb.append('"').append(profile.name()).append("\":").append(sessions(profile)).append(',');
        }
        sb.append("\"none\":").append(sessions(null)).append('}');
    }
}
