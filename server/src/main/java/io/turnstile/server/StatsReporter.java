package io.turnstile.server;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.nativeio.xdp.XdpCounter;
import io.turnstile.nativeio.xdp.XskCounter;
import io.turnstile.verifier.DropReason;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Samples a {@link VerifierServer}'s counters and writes one JSON object per line, cumulative counts and the rates
 * since the previous line, plus a human-readable summary when the server stops. The Aeron {@code RateReporter}
 * pattern: the workers only add to counters; this reads them once a second on its own thread. They are the same
 * counters {@code turnstile stat} maps from another process (summed by type id, {@link VerifierServer.Snapshot}), so
 * the two never disagree.
 * <pre>
 * {"t":1.000,"epoch_ms":..,"workers":2,"rx":..,"hvr":..,"verified":..,"dropped":..,
 *  "rx_pps":..,"tx_pps":..,"hvr_pps":..,"verified_ps":..,"dropped_pps":..,
 *  "send_eagain":..,"send_failed":..,"reply_queue_full":..,"rx_truncated":..,"errors":..,
 *  "error_causes":{"java.io.UncheckedIOException: ..":..} (only once there is an error),
 *  "drop_reasons":{"record_too_short":..,...},"cookie_checks":{"valid":..,...},
 *  "rss_kb":..,"heap_used_bytes":..,"heap_committed_bytes":..,"gc_count":..,"gc_ms":..,"direct_bytes":..}
 * </pre>
 * {@code t} is seconds since the server started; {@code rx} datagrams received, {@code hvr} HelloVerifyRequests
 * staged for sending and {@code hvr_pps} their rate, {@code sent} every datagram the kernel took for sending (HVRs
 * and the hand-off's datagrams alike) and {@code tx_pps} its rate; {@code send_eagain} flushes cut short by a full
 * socket buffer, {@code send_failed} replies the kernel refused, {@code errors} worker errors and
 * {@code error_causes} each distinct one with its count. Worker counters this class does not know by name are
 * written too, under their enum name in lower case, so new ones show up without a change here. The last six members are this
 * JVM's memory and GC figures at the time of the line (see {@link JvmMemoryStats}): sampled every second from inside
 * the server, they show whether RSS and heap stay flat and no GC runs while a flood goes on, warm-up apart.
 */
public final class StatsReporter
{
    /** Longest error cause written, in characters: a cause is a key, not a stack trace. */
    private static final int MAX_CAUSE_LENGTH = 200;

    private final VerifierServer server;
    private final PrintStream out;
    private final long startNs;
    private final VerifierServer.Snapshot current = new VerifierServer.Snapshot();
    private final VerifierServer.Snapshot previous = new VerifierServer.Snapshot();
    private final JvmMemoryStats memory = new JvmMemoryStats();
    private final StringBuilder line = new StringBuilder(1024);
    private long previousNs;
    private long lines;
    private Consumer<StringBuilder> extra;

    /**
     * A reporter for a started server.
     *
     * @param server  to sample.
     * @param out     where the JSON lines go; flushed after each.
     * @param startNs {@link System#nanoTime()} when the server started: {@code t} counts from it.
     */
    public StatsReporter(final VerifierServer server, final PrintStream out, final long startNs)
    {
        this.server = server;
        this.out = out;
        this.startNs = startNs;
        this.previousNs = startNs;
    }

    /**
     * Sample the counters and write one line.
     *
     * @param nowNs {@link System#nanoTime()}.
     * @param epochMs wall-clock time of the sample.
     * @return the snapshot just taken (valid until the next call).
     */
    public VerifierServer.Snapshot report(final long nowNs, final long epochMs)
    {
        server.snapshot(current);
        final double seconds = Math.max(nowNs - previousNs, 1) / 1e9;
        final StringBuilder sb = line;
        sb.setLength(0);
        sb.append("{\"t\":").append(String.format(Locale.ROOT, "%.3f", (nowNs - startNs) / 1e9))
            .append(",\"epoch_ms\":").append(epochMs)
            .append(",\"workers\":").append(current.workers());
        field(sb, "rx", current.received());
        field(sb, "hvr", current.replies());
        field(sb, "verified", current.verified());
        field(sb, "dropped", current.dropped());
        rate(sb, "rx_pps", current.received() - previous.received(), seconds);
        rate(sb, "tx_pps", current.get(WorkerCounter.SENT) - previous.get(WorkerCounter.SENT), seconds);
        rate(sb, "hvr_pps", current.replies() - previous.replies(), seconds);
        rate(sb, "verified_ps", current.verified() - previous.verified(), seconds);
        rate(sb, "dropped_pps", current.dropped() - previous.dropped(), seconds);
        for (final WorkerCounter counter : WorkerCounter.values())
        {
            final String name = jsonName(counter);
            if (null != name)
            {
                field(sb, name, current.get(counter));
            }
        }
        field(sb, "errors", current.errors());
        if (current.errors() > 0)
        {
            appendErrorCauses(sb);
        }
        sb.append(",\"drop_reasons\":{");
        for (int i = 0; i < DropReason.count(); i++)
        {
            final DropReason reason = DropReason.get(i);
            sb.append(i == 0 ? "" : ",").append('"').append(reason.name().toLowerCase(Locale.ROOT)).append("\":")
                .append(current.dropped(reason));
        }
        sb.append("},\"cookie_checks\":{");
        final CookieCheck[] checks = CookieCheck.values();
        for (int i = 0; i < checks.length; i++)
        {
            sb.append(i == 0 ? "" : ",").append('"').append(checks[i].name().toLowerCase(Locale.ROOT)).append("\":")
                .append(current.cookieChecks(checks[i]));
        }
        sb.append('}');
        if (current.hasXdp())
        {
            appendXdp(sb, current);
        }
        memory.sample().appendJson(sb);
        if (null != extra)
        {
            extra.accept(sb);
        }
        sb.append('}');
        out.println(sb);
        out.flush();

        previous.copyFrom(current);
        previousNs = nowNs;
        lines++;
        return current;
    }

    /**
     * More members for every line, written after the memory figures (e.g. the echo server's
     * {@code ,"echo":{..}}).
     *
     * @param extra appends to the line being built; called on the reporting thread.
     * @return this.
     */
    public StatsReporter extra(final Consumer<StringBuilder> extra)
    {
        this.extra = extra;
        return this;
    }

    /**
     * Lines written so far.
     *
     * @return the count.
     */
    public long lines()
    {
        return lines;
    }

    /**
     * The last snapshot {@link #report} took.
     *
     * @return the snapshot; all zero before the first report.
     */
    public VerifierServer.Snapshot latest()
    {
        return previous;
    }

    /**
     * A human-readable account of the run, from the last {@link #report}.
     *
     * @param reason why the server stopped, e.g. "duration elapsed" or "SIGTERM".
     * @param nowNs  {@link System#nanoTime()} when it stopped.
     * @return several lines, no trailing newline.
     */
    public String summary(final String reason, final long nowNs)
    {
        final VerifierServer.Snapshot s = previous;
        final double seconds = Math.max(nowNs - startNs, 1) / 1e9;
        final StringBuilder sb = new StringBuilder(512);
        sb.append(String.format(Locale.ROOT, "turnstile: stopped (%s) after %.1f s, %d worker%s%n",
            reason, seconds, s.workers(), s.workers() == 1 ? "" : "s"));
        sb.append(String.format(Locale.ROOT,
            "  received %d datagrams (%.0f/s): %d HelloVerifyRequests, %d verified, %d dropped%n",
            s.received(), s.received() / seconds, s.replies(), s.verified(), s.dropped()));
        if (s.dropped() > 0)
        {
            sb.append("  drops:");
            for (final DropReason dropReason : DropReason.values())
            {
                if (s.dropped(dropReason) > 0)
                {
                    sb.append(' ').append(dropReason.name().toLowerCase(Locale.ROOT)).append('=')
                        .append(s.dropped(dropReason));
                }
            }
            sb.append(System.lineSeparator());
        }
        if (s.hasXdp())
        {
            sb.append(String.format(Locale.ROOT,
                "  xdp: %d in and %d out through AF_XDP, %d through the kernel sockets; the program dropped %d " +
                "(not DTLS %d, rate limited %d) and passed %d; ring full %d, fill empty %d%n",
                s.get(XskCounter.RX), s.get(XskCounter.TX), s.get(XskCounter.PASSED),
                s.get(XdpCounter.DROPPED_NOT_DTLS) + s.get(XdpCounter.DROPPED_RATE_LIMITED),
                s.get(XdpCounter.DROPPED_NOT_DTLS), s.get(XdpCounter.DROPPED_RATE_LIMITED),
                s.get(XdpCounter.PASSED_OTHER) + s.get(XdpCounter.PASSED_DEMUX) + s.get(XdpCounter.PASSED_DTLS) +
                s.get(XdpCounter.PASSED_HELLO_NO_SOCKET), s.get(XskCounter.RING_FULL), s.get(XskCounter.FILL_EMPTY)));
        }
        sb.append(String.format(Locale.ROOT,
            "  send: %d refused by the kernel, %d flushes cut short by EAGAIN, %d replies dropped (queue full); " +
            "%d errors",
            s.get(WorkerCounter.SEND_FAILED), s.get(WorkerCounter.SEND_WOULD_BLOCK),
            s.get(WorkerCounter.REPLY_QUEUE_FULL), s.errors()));
        if (s.errors() > 0)
        {
            server.readErrors((count, firstMs, lastMs, encoded) -> sb.append(String.format(Locale.ROOT,
                "%n    %d x %s", count, firstLine(encoded))));
        }
        if (lines > 0)
        {
            final JvmMemoryStats m = memory;
            sb.append(String.format(Locale.ROOT,
                "%n  memory at the last line: RSS %s, heap %.1f MiB used of %.1f MiB committed, direct %.1f MiB; " +
                "%d GCs (%d ms) since the JVM started",
                JvmMemoryStats.UNKNOWN == m.rssKb() ? "unknown" : String.format(Locale.ROOT, "%.1f MiB",
                m.rssKb() / 1024.0), m.heapUsedBytes() / 1048576.0, m.heapCommittedBytes() / 1048576.0,
                m.directBytes() / 1048576.0, m.gcCount(), m.gcMs()));
        }
        return sb.toString();
    }

    /**
     * The {@code --xdp} object: the AF_XDP sockets' counts summed over the workers (rx, tx, malformed, ring_full,
     * fill_empty, kernel_dropped, kick_busy, socket_passed: datagrams through the kernel sockets) and the XDP
     * program's verdicts (dropped_in_kernel: not DTLS or over the hello rate; passed: to the kernel's stack;
     * redirected: hellos sent to an AF_XDP socket; rate_limited).
     */
    private static void appendXdp(final StringBuilder sb, final VerifierServer.Snapshot s)
    {
        sb.append(",\"xdp\":{\"rx\":").append(s.get(XskCounter.RX));
        field(sb, "tx", s.get(XskCounter.TX));
        field(sb, "dropped_in_kernel", s.get(XdpCounter.DROPPED_NOT_DTLS) + s.get(XdpCounter.DROPPED_RATE_LIMITED));
        field(sb, "passed", s.get(XdpCounter.PASSED_OTHER) + s.get(XdpCounter.PASSED_DEMUX) +
            s.get(XdpCounter.PASSED_DTLS) + s.get(XdpCounter.PASSED_HELLO_NO_SOCKET));
        field(sb, "redirected", s.get(XdpCounter.REDIRECTED_HELLO));
        field(sb, "rate_limited", s.get(XdpCounter.DROPPED_RATE_LIMITED));
        field(sb, "ring_full", s.get(XskCounter.RING_FULL));
        field(sb, "fill_empty", s.get(XskCounter.FILL_EMPTY));
        field(sb, "malformed", s.get(XskCounter.MALFORMED));
        field(sb, "kernel_dropped", s.get(XskCounter.KERNEL_DROPPED));
        field(sb, "kick_busy", s.get(XskCounter.KICK_BUSY));
        field(sb, "socket_passed", s.get(XskCounter.PASSED));
        sb.append('}');
    }

    /**
     * {@code ,"error_causes":{"type: message":count,..}}: each distinct worker error once, keyed by the first line of
     * its stack trace, so a line says what broke and how often, not only that something did.
     */
    private void appendErrorCauses(final StringBuilder sb)
    {
        sb.append(",\"error_causes\":{");
        final int lengthBefore = sb.length();
        server.readErrors((count, firstMs, lastMs, encoded) ->
        {
            sb.append(sb.length() == lengthBefore ? "" : ",").append('"');
            appendJsonEscaped(sb, firstLine(encoded));
            sb.append("\":").append(count);
        });
        sb.append('}');
    }

    private static String firstLine(final String encodedException)
    {
        final int newline = encodedException.indexOf('\n');
        final String line = (newline < 0 ? encodedException : encodedException.substring(0, newline)).strip();
        return line.length() <= MAX_CAUSE_LENGTH ? line : line.substring(0, MAX_CAUSE_LENGTH) + "...";
    }

    /**
     * Append a JSON string: the text in quotes, quotes, backslashes and control characters escaped.
     *
     * @param sb   to append to.
     * @param text any text.
     */
    static void appendJsonString(final StringBuilder sb, final String text)
    {
        sb.append('"');
        appendJsonEscaped(sb, text);
        sb.append('"');
    }

    private static void appendJsonEscaped(final StringBuilder sb, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
    }

    private static String jsonName(final WorkerCounter counter)
    {
        return switch (counter)
        {
            // Written first, under the names the contract gives them.
            case RECEIVED, VERIFIED, REPLIES, DROPPED -> null;
            case SEND_WOULD_BLOCK -> "send_eagain";
            case SEND_FAILED -> "send_failed";
            case REPLY_QUEUE_FULL -> "reply_queue_full";
            case RECEIVE_TRUNCATED -> "rx_truncated";
            default -> counter.name().toLowerCase(Locale.ROOT);
        };
    }

    private static void field(final StringBuilder sb, final String name, final long value)
    {
        sb.append(",\"").append(name).append("\":").append(value);
    }

    private static void rate(final StringBuilder sb, final String name, final long delta, final double seconds)
    {
        sb.append(",\"").append(name).append("\":").append(Math.round(delta / seconds));
    }
}
