package io.turnstile.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.turnstile.codec.DatagramClass;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.nativeio.DemuxCounters;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.nativeio.xdp.XdpCounter;
import io.turnstile.nativeio.xdp.XskCounter;
import io.turnstile.status.CounterTypes;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifierCounters;

import java.util.Locale;
import java.util.Objects;

/**
 * Exposes every counter of a {@link VerifierServer} to Micrometer, named the way a Prometheus user expects: one meter
 * name per thing counted, the worker, drop reason or cookie check as tags, counters as {@link FunctionCounter}s that
 * read the server's own counters when scraped (no copies, nothing on the data path).
 * <pre>
 *   Micrometer name                  tags                Prometheus                                  type id
 *   turnstile.datagrams.received     worker              turnstile_datagrams_received_total{worker="0"} 4001
 *   turnstile.hellos.verified        worker              turnstile_hellos_verified_total               4002
 *   turnstile.hello.verify.requests  worker              turnstile_hello_verify_requests_total         4003
 *   turnstile.datagrams.dropped      worker              turnstile_datagrams_dropped_total             4004
 *   turnstile.replies.queue.full     worker              turnstile_replies_queue_full_total            4005
 *   turnstile.replies.refused        worker              turnstile_replies_refused_total               4006
 *   turnstile.flushes.would.block    worker              turnstile_flushes_would_block_total           4007
 *   turnstile.datagrams.truncated    worker              turnstile_datagrams_truncated_total           4008
 *   turnstile.peer.datagrams         worker              turnstile_peer_datagrams_total                4009
 *   turnstile.outbox.datagrams       worker              turnstile_outbox_datagrams_total              4010
 *   turnstile.receive.batches        worker              turnstile_receive_batches_total               4011
 *   turnstile.datagrams.sent         worker              turnstile_datagrams_sent_total                4012
 *   turnstile.verifier.datagrams ... worker              turnstile_verifier_datagrams_total, ..._verified, ..._replies,
 *                                                        ..._reply_bytes, ..._dropped                  4100..4104
 *   turnstile.drops                  worker, reason      turnstile_drops_total{reason="record_too_short"} 4200..
 *   turnstile.cookie.checks          worker, result      turnstile_cookie_checks_total{result="bad_mac"} 4300..
 *   turnstile.errors                 (none)              turnstile_errors_total                        4000
 *   turnstile.sessions.live, turnstile.handshakes.in.progress   gauges                                4400, 4401
 *   turnstile.session.*              worker              the other session counters                   4402..
 *   turnstile.handshake.failures     alert               turnstile_handshake_failures_total{alert="40"} 5000..
 *   turnstile.xdp.socket.rx, .tx,    worker              turnstile_xdp_socket_rx_total, ..._tx, ..._malformed,
 *     .malformed, .ring.full, ...                        ..._ring_full, ..._fill_empty, ..._kernel_dropped,
 *                                                        ..._kick_busy, ..._passed (one per XskCounter) 4501..
 *   turnstile.xdp.program.verdicts   verdict             turnstile_xdp_program_verdicts_total
 *                                                        {verdict="dropped_not_dtls"}, server wide     4550..
 *   turnstile.demux.datagrams        worker, class       turnstile_demux_datagrams_total{class="stun"}  4700..
 *   turnstile.demux.replies          worker              turnstile_demux_replies_total                  4710
 *   turnstile.demux.replies.refused  worker              turnstile_demux_replies_refused_total          4711
 *   turnstile.counter                type_id, label      anything else, so nothing is hidden
 * </pre>
 * Reason, result, verdict and class values are the {@link DropReason}, {@link CookieCheck}, {@link XdpCounter} (its
 * label) and {@link DatagramClass} constants in lower case, as in the {@code serve} stats line; the AF_XDP socket
 * meters are named after the {@link XskCounter} constants the same way. The xdp meters exist only for a server with
 * {@link VerifierServer.Context#xdpInterface(String)}, the demux ones only with a demultiplexing handler. The binder
 * registers the counters that exist when {@link #bindTo(MeterRegistry)} runs: bind after the server is built (its
 * counters are allocated in its constructor).
 * <p>
 * <b>Note:</b> values are read through {@link VerifierServer#counterValue(int)}, so a registry that keeps scraping
 * after the server closed gets the final values rather than reading freed memory, and each scrape of a verdict reads
 * the XDP program's count from the kernel (one {@code bpf(2)} call) rather than the copy the last snapshot made.
 */
public final class TurnstileMeterBinder implements MeterBinder
{
    /** Prefix of every meter name. */
    public static final String PREFIX = "turnstile.";

    private final VerifierServer server;
    private final Tags tags;

    /**
     * A binder for one server.
     *
     * @param server whose counters to expose.
     * @param tags   added to every meter, e.g. {@code Tags.of("server", "edge-1")}.
     */
    public TurnstileMeterBinder(final VerifierServer server, final Iterable<Tag> tags)
    {
        this.server = Objects.requireNonNull(server, "server");
        this.tags = Tags.of(tags);
    }

    /**
     * A binder for one server, no extra tags.
     *
     * @param server whose counters to expose.
     */
    public TurnstileMeterBinder(final VerifierServer server)
    {
        this(server, Tags.empty());
    }

    /**
     * Register one meter per counter the server has now.
     *
     * @param registry to register with.
     */
    @Override
    public void bindTo(final MeterRegistry registry)
    {
        server.countersReader().forEach((counterId, typeId, keyBuffer, label) ->
        {
            final int workerId = CounterTypes.workerId(keyBuffer);
            Tags meterTags =
                workerId == CounterTypes.SERVER_WIDE ? tags : tags.and("worker", Integer.toString(workerId));
            String name = name(typeId);
            if (null == name)
            {
                name = PREFIX + "counter";
                meterTags = meterTags.and("type_id", Integer.toString(typeId), "label", label);
            }
            else
            {
                meterTags = meterTags.and(kindTags(typeId));
            }

            if (typeId == CounterTypes.SESSIONS_LIVE || typeId == CounterTypes.HANDSHAKES_IN_PROGRESS)
            {
                Gauge.builder(name, server, (s) -> s.counterValue(counterId))
                    .tags(meterTags).description(label).register(registry);
            }
            else
            {
                FunctionCounter.builder(name, server, (s) -> s.counterValue(counterId))
                    .tags(meterTags).description(label)
                    .baseUnit(typeId == VerifierCounters.Total.REPLY_BYTES.typeId() ? "bytes" : null)
                    .register(registry);
            }
        });
    }

    /**
     * The meter name of a type id.
     *
     * @param typeId from {@link CounterTypes}.
     * @return the name, or null for a type id without one.
     */
    static String name(final int typeId)
    {
        final WorkerCounter workerCounter = WorkerCounter.ofTypeId(typeId);
        if (null != workerCounter)
        {
            return PREFIX + switch (workerCounter)
            {
                case RECEIVED -> "datagrams.received";
                case VERIFIED -> "hellos.verified";
                case REPLIES -> "hello.verify.requests";
                case DROPPED -> "datagrams.dropped";
                case REPLY_QUEUE_FULL -> "replies.queue.full";
                case SEND_FAILED -> "replies.refused";
                case SEND_WOULD_BLOCK -> "flushes.would.block";
                case RECEIVE_TRUNCATED -> "datagrams.truncated";
                case PEER_DATAGRAMS -> "peer.datagrams";
                case OUTBOX_SENT -> "outbox.datagrams";
                case BATCHES -> "receive.batches";
                case SENT -> "datagrams.sent";
            };
        }
        if (typeId == CounterTypes.ERRORS)
        {
            return PREFIX + "errors";
        }
        final int verifierTotal = typeId - CounterTypes.VERIFIER_FIRST;
        if (verifierTotal >= 0 && verifierTotal < VerifierCounters.Total.values().length)
        {
            return PREFIX + "verifier." + dotted(VerifierCounters.Total.get(verifierTotal).name());
        }
        if (typeId >= CounterTypes.DROP_REASON_FIRST && typeId < CounterTypes.DROP_REASON_FIRST + DropReason.count())
        {
            return PREFIX + "drops";
        }
        if (typeId >= CounterTypes.COOKIE_CHECK_FIRST &&
            typeId < CounterTypes.COOKIE_CHECK_FIRST + CookieCheck.values().length)
        {
            return PREFIX + "cookie.checks";
        }
        if (typeId >= CounterTypes.ALERT_FIRST && typeId < CounterTypes.ALERT_FIRST + CounterTypes.ALERT_RANGE)
        {
            return PREFIX + "handshake.failures";
        }
        final XskCounter socketCounter = XskCounter.ofTypeId(typeId);
        if (null != socketCounter)
        {
            return PREFIX + "xdp.socket." + dotted(socketCounter.name());
        }
        if (null != xdpVerdict(typeId))
        {
            return PREFIX + "xdp.program.verdicts";
        }
        if (null != demuxClass(typeId))
        {
            return PREFIX + "demux.datagrams";
        }
        return switch (typeId)
        {
            case CounterTypes.DEMUX_FIRST + DemuxCounters.REPLIES_OFFSET -> PREFIX + "demux.replies";
            case CounterTypes.DEMUX_FIRST + DemuxCounters.REPLIES_REFUSED_OFFSET -> PREFIX + "demux.replies.refused";
            default -> sessionName(typeId);
        };
    }

    /**
     * The tags that tell apart the counters sharing a meter name: reason, result, alert, verdict or class.
     *
     * @param typeId from {@link CounterTypes}, one {@link #name(int)} knows.
     * @return those tags; none when the name alone says what is counted.
     */
    static Tags kindTags(final int typeId)
    {
        if (typeId >= CounterTypes.DROP_REASON_FIRST && typeId < CounterTypes.DROP_REASON_FIRST + DropReason.count())
        {
            return Tags.of("reason", VerifierCounters.name(DropReason.get(typeId - CounterTypes.DROP_REASON_FIRST)));
        }
        if (typeId >= CounterTypes.COOKIE_CHECK_FIRST &&
            typeId < CounterTypes.COOKIE_CHECK_FIRST + CookieCheck.values().length)
        {
            return Tags.of("result",
                VerifierCounters.name(CookieCheck.get(typeId - CounterTypes.COOKIE_CHECK_FIRST)));
        }
        if (typeId >= CounterTypes.ALERT_FIRST && typeId < CounterTypes.ALERT_FIRST + CounterTypes.ALERT_RANGE)
        {
            return Tags.of("alert", Integer.toString(typeId - CounterTypes.ALERT_FIRST));
        }
        final XdpCounter verdict = xdpVerdict(typeId);
        if (null != verdict)
        {
            return Tags.of("verdict", verdict.label());
        }
        final DatagramClass demuxClass = demuxClass(typeId);
        if (null != demuxClass)
        {
            return Tags.of("class", demuxClass.name().toLowerCase(Locale.ROOT));
        }
        return Tags.empty();
    }

    private static XdpCounter xdpVerdict(final int typeId)
    {
        for (final XdpCounter counter : XdpCounter.values())
        {
            if (VerifierServer.xdpProgramTypeId(counter) == typeId)
            {
                return counter;
            }
        }
        return null;
    }

    private static DatagramClass demuxClass(final int typeId)
    {
        final int ordinal = typeId - CounterTypes.DEMUX_FIRST;
        if (ordinal < 0 || ordinal >= DatagramClass.values().length)
        {
            return null;
        }
        // The verifier's own class and the unassigned one are never handed to the demultiplexer: no counter.
        final DatagramClass type = DatagramClass.values()[ordinal];
        return type == DatagramClass.DTLS || type == DatagramClass.UNASSIGNED ? null : type;
    }

    private static String dotted(final String constant)
    {
        return constant.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static String sessionName(final int typeId)
    {
        return switch (typeId)
        {
            case CounterTypes.SESSIONS_LIVE -> PREFIX + "sessions.live";
            case CounterTypes.HANDSHAKES_IN_PROGRESS -> PREFIX + "handshakes.in.progress";
            case CounterTypes.SESSIONS_CREATED -> PREFIX + "session.created";
            case CounterTypes.HANDSHAKES_COMPLETED -> PREFIX + "session.handshakes.completed";
            case CounterTypes.HANDSHAKES_FAILED -> PREFIX + "session.handshakes.failed";
            case CounterTypes.HANDSHAKES_TIMED_OUT -> PREFIX + "session.handshakes.timed.out";
            case CounterTypes.SESSIONS_REFUSED -> PREFIX + "session.refused";
            case CounterTypes.RECORDS_ECHOED -> PREFIX + "session.records.echoed";
            case CounterTypes.PEERS_FULL -> PREFIX + "session.peers.full";
            case CounterTypes.PEER_DATAGRAMS_DROPPED -> PREFIX + "session.peer.datagrams.dropped";
            case CounterTypes.ORPHAN_DATAGRAMS -> PREFIX + "session.orphan.datagrams";
            case CounterTypes.OUTBOX_REJECTED -> PREFIX + "session.outbox.rejected";
            default -> null;
        };
    }
}
