package io.turnstile.status;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The registry of every counter type id Turnstile allocates from an Agrona {@link CountersManager}: one range of
 * {@value #KIND_RANGE} ids per kind, so a reader in another process (AeronStat style, {@code turnstile stat}, the
 * Micrometer binder) tells the kinds apart by type id, never by label text.
 * <pre>
 *   type id      kind           what                                                     allocated by
 *   4000         errors         worker errors, server wide                               VerifierServer
 *   4001..4099   worker         one per WorkerCounter (4000 + ordinal + 1)               WorkerCounter (native-io)
 *   4100..4199   verifier       verifier totals: datagrams, verified, replies, ...       VerifierCounters (core)
 *   4200..4299   drop_reason    4200 + DropReason ordinal                                VerifierCounters (core)
 *   4300..4399   cookie_check   4300 + CookieCheck ordinal                               VerifierCounters (core)
 *   4400..4499   session        the echo hand-off's sessions and handshakes (see below)  server/handshake (hook)
 *   4500..4599   xdp            AF_XDP socket counters (4501..), XDP verdicts (4550..)   XskCounter, VerifierServer
 *   4700..4799   demux          RFC 7983 demultiplexer: by DatagramClass, replies        DemuxCounters (native-io)
 *   5000..5255   alert          failed handshakes by TLS alert, 5000 + AlertDescription   server/handshake (hook)
 * </pre>
 * Ids are stable: a kind only gains ids at its end, so a monitor written against one release reads the next.
 * <p>
 * Every counter's key holds the id of the worker it belongs to as an int at {@link #WORKER_ID_KEY_OFFSET}, or
 * {@link #SERVER_WIDE} (-1) for a counter of the whole server; labels end in {@code ": worker=N"} for people.
 * <p>
 * <b>Session hook:</b> the echo hand-off (server/handshake) is being rewritten; when it moves off its
 * {@code AtomicLong}s it allocates its counters with {@link #newCounter(CountersManager, int, String, int)} from
 * the server's {@code CountersManager} (room for them is the server's spare counters), with the {@code SESSION_*}
 * ids below and {@link #ALERT_FIRST} + alert for failures by cause; nothing else needs to change for
 * {@code turnstile stat}, the stats line and the Micrometer binder to see them.
 */
public final class CounterTypes
{
    /** Ids per kind. */
    public static final int KIND_RANGE = 100;
    /** Worker errors (a broken socket, a throwing handler), server wide. */
    public static final int ERRORS = 4000;
    /** First id of the worker kind: {@code WorkerCounter} ids are 4001 onwards. */
    public static final int WORKER_FIRST = 4000;
    /** First id of the verifier totals, by {@code VerifierCounters.Total} ordinal. */
    public static final int VERIFIER_FIRST = 4100;
    /** First id of the drop reasons, by {@code DropReason} ordinal. */
    public static final int DROP_REASON_FIRST = 4200;
    /** First id of the cookie checks, by {@code CookieCheck} ordinal. */
    public static final int COOKIE_CHECK_FIRST = 4300;
    /** First id of the session (echo hand-off) kind. */
    public static final int SESSION_FIRST = 4400;
    /** Sessions live now (a gauge: set, not added to). */
    public static final int SESSIONS_LIVE = SESSION_FIRST;
    /** Handshakes in progress now (a gauge). */
    public static final int HANDSHAKES_IN_PROGRESS = SESSION_FIRST + 1;
    /** Sessions created for verified peers. */
    public static final int SESSIONS_CREATED = SESSION_FIRST + 2;
    /** Handshakes completed. */
    public static final int HANDSHAKES_COMPLETED = SESSION_FIRST + 3;
    /** Handshakes failed, for any cause. */
    public static final int HANDSHAKES_FAILED = SESSION_FIRST + 4;
    /** Handshakes or fragmented hellos timed out. */
    public static final int HANDSHAKES_TIMED_OUT = SESSION_FIRST + 5;
    /** Verified peers refused by a cap (handshakes, sessions, sessions per address). */
    public static final int SESSIONS_REFUSED = SESSION_FIRST + 6;
    /** Application records echoed. */
    public static final int RECORDS_ECHOED = SESSION_FIRST + 7;
    /** Verified peers not accepted because the worker's accepted-peer set was full. */
    public static final int PEERS_FULL = SESSION_FIRST + 8;
    /** Datagrams of accepted peers dropped because their session's queue was full. */
    public static final int PEER_DATAGRAMS_DROPPED = SESSION_FIRST + 9;
    /** Datagrams of accepted peers that had no session any more. */
    public static final int ORPHAN_DATAGRAMS = SESSION_FIRST + 10;
    /** Datagrams the outbox refused (full). */
    public static final int OUTBOX_REJECTED = SESSION_FIRST + 11;
    /** First id of sessions ended, by end ordinal. */
    public static final int SESSION_END_FIRST = SESSION_FIRST + 50;
    /**
     * First id of the XDP kind: the AF_XDP socket counters ({@code XskCounter}, from {@code XDP_FIRST + 1}), then the
     * XDP program's verdicts ({@code XdpCounter}, from {@code XDP_FIRST + 50}).
     */
    public static final int XDP_FIRST = 4500;
    /**
     * First id of the demultiplexer (RFC 7983): datagrams handed to the application, by {@code DatagramClass}
     * ordinal, then its replies ({@code DEMUX_FIRST + 10}) and the replies that found no send slot ({@code + 11}).
     */
    public static final int DEMUX_FIRST = 4700;
    /** First id of handshake failures by alert: {@code ALERT_FIRST + AlertDescription}, 0 to 255. */
    public static final int ALERT_FIRST = 5000;
    /** Ids of the alert kind: one per alert value. */
    public static final int ALERT_RANGE = 256;
    /** Offset in a counter's key of the worker id. */
    public static final int WORKER_ID_KEY_OFFSET = 0;
    /** Worker id in the key of a counter of the whole server. */
    public static final int SERVER_WIDE = -1;

    private CounterTypes()
    {
    }

    /**
     * The kind a type id belongs to, as a stable lower-case name.
     *
     * @param typeId of a counter.
     * @return errors, worker, verifier, drop_reason, cookie_check, session, xdp, demux, alert, or other.
     */
    public static String kind(final int typeId)
    {
        if (typeId == ERRORS)
        {
            return "errors";
        }
        if (typeId >= ALERT_FIRST && typeId < ALERT_FIRST + ALERT_RANGE)
        {
            return "alert";
        }
        return switch (typeId >= WORKER_FIRST && typeId < ALERT_FIRST ? (typeId - WORKER_FIRST) / KIND_RANGE : -1)
        {
            case 0 -> "worker";
            case 1 -> "verifier";
            case 2 -> "drop_reason";
            case 3 -> "cookie_check";
            case 4 -> "session";
            case 5 -> "xdp";
            case 7 -> "demux";
            default -> "other";
        };
    }

    /**
     * Allocate a counter with its worker id in its key and {@code ": worker=N"} after its label (nothing after it for
     * {@link #SERVER_WIDE}).
     *
     * @param countersManager where the counter lives.
     * @param typeId          from this registry.
     * @param label           what it counts, e.g. "datagrams received".
     * @param workerId        0 or more, or {@link #SERVER_WIDE}.
     * @return the counter.
     */
    public static AtomicCounter newCounter(
        final CountersManager countersManager, final int typeId, final String label, final int workerId)
    {
        return countersManager.newCounter(
            workerId == SERVER_WIDE ? label : label + ": worker=" + workerId,
            typeId,
            (keyBuffer) -> keyBuffer.putInt(WORKER_ID_KEY_OFFSET, workerId));
    }

    /**
     * The worker id a counter's key holds.
     *
     * @param keyBuffer the counter's key, as {@code CountersReader.forEach} gives it.
     * @return the worker id, or {@link #SERVER_WIDE}.
     */
    public static int workerId(final DirectBuffer keyBuffer)
    {
        return keyBuffer.getInt(WORKER_ID_KEY_OFFSET);
    }
}
