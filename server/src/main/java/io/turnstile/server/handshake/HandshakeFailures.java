package io.turnstile.server.handshake;

import io.turnstile.nativeio.DistinctMessageLog;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * Why handshakes failed, counted by cause, and each distinct cause written once with its message.
 * <pre>
 *   cause                                       counted under
 *   fatal alert sent or received (RFC 8446 6 /  its description's RFC name: handshake_failure, internal_error,
 *   RFC 5246 7.2), from BouncyCastle's           decrypt_error, bad_record_mac, ... (unassigned values: alert_N)
 *   TlsFatalAlert / TlsFatalAlertReceived or
 *   the server's alert hooks
 *   handshake or hello-tail timer ran out        timeout
 *   anything else (hello the assembler refused,  other
 *   an I/O error with no alert)
 * </pre>
 * Counters are fixed and preallocated: one per alert description (0 to 255), {@code timeout} and {@code other}; a
 * client cannot add keys. Messages go through a {@link DistinctMessageLog} keyed by cause and message without the peer,
 * so each distinct failure is written once, and at most {@link #MAX_DISTINCT_LOGGED} of them in all.
 */
public final class HandshakeFailures
{
    /** Distinct failure messages written before further new ones are only counted. */
    public static final int MAX_DISTINCT_LOGGED = 64;

    private static final int ALERTS = 256;
    private static final int MAX_CAUSES = 4;
    private static final String[] ALERT_NAMES = new String[ALERTS];

    static
    {
        for (int i = 0; i < ALERTS; i++)
        {
            final String name = AlertDescription.getName((short)i);
            ALERT_NAMES[i] = "UNKNOWN".equals(name) ? "alert_" + i : name.toLowerCase(Locale.ROOT);
        }
    }

    private final AtomicLongArray alerts = new AtomicLongArray(ALERTS);
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong other = new AtomicLong();
    private final DistinctMessageLog log;

    /**
     * Counters, and a log writing each distinct failure once.
     *
     * @param sink where the lines go, e.g. {@code System.err::println}; must not throw.
     */
    public HandshakeFailures(final Consumer<String> sink)
    {
        this.log = new DistinctMessageLog(MAX_DISTINCT_LOGGED, sink);
    }

    /**
     * The RFC name of an alert description as this class counts it.
     *
     * @param description 0 to 255.
     * @return e.g. "handshake_failure", or "alert_N" for an unassigned value.
     */
    public static String alertName(final int description)
    {
        return ALERT_NAMES[description & 0xFF];
    }

    /**
     * A handshake ended by an exception: counted under the fatal alert it carries, else the alert the hooks saw,
     * else {@code other}.
     *
     * @param peer   the peer, for the log line.
     * @param ex     what BouncyCastle threw.
     * @param record the alert the server's hooks saw during this handshake.
     * @return the cause as the log line gives it: the alert, who sent it and what BouncyCastle said.
     */
    public String onException(final PeerKey peer, final Throwable ex, final FatalAlertRecord record)
    {
        final int description;
        final boolean received;
        if (ex instanceof TlsFatalAlertReceived alertReceived)
        {
            description = alertReceived.getAlertDescription() & 0xFF;
            received = true;
        }
        else if (ex instanceof TlsFatalAlert alert)
        {
            description = alert.getAlertDescription() & 0xFF;
            received = false;
        }
        else if (null != record && FatalAlertRecord.NONE != record.description())
        {
            description = record.description() & 0xFF;
            received = record.isReceived();
        }
        else
        {
            final String detail = describe(ex);
            onOther(peer, detail);
            return detail;
        }
        alerts.incrementAndGet(description);
        final String cause = alertName(description) + (received ? " received" : " sent");
        final String detail = describe(ex);
        log.log(cause + ": " + detail, "turnstile: handshake with " + peerText(peer) + " failed: " + cause + ": " +
            detail + " (each distinct cause is written once; all are counted in echo.failures)");
        return cause + ": " + detail;
    }

    /**
     * A handshake ran out of time.
     *
     * @param peer the peer, for the log line.
     * @param what which timer, e.g. "handshake timed out after 10000 ms".
     */
    public void onTimeout(final PeerKey peer, final String what)
    {
        timeouts.incrementAndGet();
        log.log("timeout: " + what, "turnstile: handshake with " + peerText(peer) + " failed: timeout: " + what +
            " (each distinct cause is written once; all are counted in echo.failures)");
    }

    /**
     * A handshake failed with no alert and no timeout.
     *
     * @param peer the peer, for the log line.
     * @param what what happened.
     */
    public void onOther(final PeerKey peer, final String what)
    {
        other.incrementAndGet();
        log.log("other: " + what, "turnstile: handshake with " + peerText(peer) + " failed: other: " + what +
            " (each distinct cause is written once; all are counted in echo.failures)");
    }

    /**
     * Handshakes that failed with this alert, sent or received.
     *
     * @param description 0 to 255.
     * @return the count.
     */
    public long alert(final int description)
    {
        return alerts.get(description & 0xFF);
    }

    /**
     * Handshakes that timed out (handshake timer or the wait for a fragmented hello's tail).
     *
     * @return the count.
     */
    public long timeouts()
    {
        return timeouts.get();
    }

    /**
     * Handshakes that failed without an alert or a timeout.
     *
     * @return the count.
     */
    public long other()
    {
        return other.get();
    }

    /**
     * Every failure counted.
     *
     * @return alerts + timeouts + other.
     */
    public long total()
    {
        long total = timeouts.get() + other.get();
        for (int i = 0; i < ALERTS; i++)
        {
            total += alerts.get(i);
        }
        return total;
    }

    /**
     * Append the counters as a JSON object: every non-zero alert by name, then {@code timeout} and {@code other}
     * always, e.g. {@code {"handshake_failure":2,"timeout":1,"other":0}}.
     *
     * @param sb the line being built.
     */
    public void appendJson(final StringBuilder sb)
    {
        sb.append('{');
        for (int i = 0; i < ALERTS; i++)
        {
            final long count = alerts.get(i);
            if (count > 0)
            {
                sb.append('"').append(ALERT_NAMES[i]).append("\":").append(count).append(',');
            }
        }
        sb.append("\"timeout\":").append(timeouts.get()).append(",\"other\":").append(other.get()).append('}');
    }

    /**
     * The non-zero counters for the stop summary.
     *
     * @return e.g. "handshake_failure=2 timeout=1", or "none".
     */
    public String summary()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ALERTS; i++)
        {
            final long count = alerts.get(i);
            if (count > 0)
            {
                sb.append(sb.isEmpty() ? "" : " ").append(ALERT_NAMES[i]).append('=').append(count);
            }
        }
        if (timeouts.get() > 0)
        {
            sb.append(sb.isEmpty() ? "" : " ").append("timeout=").append(timeouts.get());
        }
        if (other.get() > 0)
        {
            sb.append(sb.isEmpty() ? "" : " ").append("other=").append(other.get());
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /**
     * HOST:PORT, an IPv6 host in brackets; what an operator greps for.
     */
    static String peerText(final PeerKey peer)
    {
        final InetSocketAddress address = peer.toSocketAddress();
        final String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * The exception and its causes, one line: "TlsFatalAlert: internal_error(80) <- IllegalArgumentException: ...".
     */
    static String describe(final Throwable ex)
    {
        final StringBuilder sb = new StringBuilder();
        Throwable t = ex;
        for (int depth = 0; null != t && depth < MAX_CAUSES; depth++, t = t.getCause())
        {
            sb.append(depth == 0 ? "" : " <- ").append(t.getClass().getSimpleName());
            if (null != t.getMessage())
            {
                sb.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t)
            {
                break;
            }
        }
        return sb.toString();
    }
}
