package io.turnstile.bench.load;

import io.turnstile.bench.Json;
import org.HdrHistogram.Histogram;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link LegitClients} run measured: attempts, successes, failures by reason, retransmissions, and the
 * latency histograms in microseconds (first hello sent to HVR received; first hello sent to ServerHello received
 * when the server has a handshake), plus one {@link Interval} per second for plotting.
 * <p>
 * <b>Note:</b> without a handshake behind the server, an attempt succeeds when its HVR came back well formed and its
 * cookie hello was sent: the client cannot see the server accept the cookie, so the server's {@code verified}
 * counter is the cross-check. {@link #successCriterion()} says which definition a run used. Interval times count
 * from {@code start_epoch_ms}, so that other per-second series (a server's statistics) can be lined up with them.
 */
public final class LegitClientsReport
{
    /** Success criterion without a handshake behind the verifier. */
    public static final String HVR_AND_COOKIE_HELLO_SENT = "hvr_received_and_cookie_hello_sent";
    /** Success criterion with a handshake behind the verifier. */
    public static final String SERVER_HELLO_RECEIVED = "server_hello_received";

    private final String successCriterion;
    private final String target;
    private final String source;
    private final String template;
    private final long startEpochMs;
    private final long durationNs;
    private final long attempts;
    private final long succeeded;
    private final EnumMap<AttemptFailure, Long> failures;
    private final EnumMap<HelloVerifyRequestParser.Failure, Long> malformedReplies;
    private final long retransmits;
    private final long helloBytesSent;
    private final long replyBytesReceived;
    private final long hvrsReceived;
    private final long hvrBytesReceived;
    private final Histogram hvrLatencyUs;
    private final Histogram serverHelloLatencyUs;
    private final List<Interval> intervals;

    /**
     * One second of a run.
     *
     * @param tS          seconds from the start of the run to the end of this interval.
     * @param started     attempts started in the interval.
     * @param succeeded   attempts that succeeded in the interval.
     * @param failed      attempts that failed in the interval.
     * @param retransmits hellos retransmitted in the interval.
     * @param hvrP50Us    median HVR latency of the interval, microseconds (0 when none).
     * @param hvrP99Us    99th percentile.
     * @param hvrMaxUs    maximum.
     */
    public record Interval(
        double tS, long started, long succeeded, long failed, long retransmits, long hvrP50Us, long hvrP99Us,
        long hvrMaxUs)
    {
    }

    LegitClientsReport(
        final String successCriterion,
        final String target,
        final String source,
        final String template,
        final long startEpochMs,
        final long durationNs,
        final long attempts,
        final long succeeded,
        final EnumMap<AttemptFailure, Long> failures,
        final EnumMap<HelloVerifyRequestParser.Failure, Long> malformedReplies,
        final long retransmits,
        final long helloBytesSent,
        final long replyBytesReceived,
        final long hvrsReceived,
        final long hvrBytesReceived,
        final Histogram hvrLatencyUs,
        final Histogram serverHelloLatencyUs,
        final List<Interval> intervals)
    {
        this.successCriterion = successCriterion;
        this.target = target;
        this.source = source;
        this.template = template;
        this.startEpochMs = startEpochMs;
        this.durationNs = durationNs;
        this.attempts = attempts;
        this.succeeded = succeeded;
        this.failures = failures;
        this.malformedReplies = malformedReplies;
        this.retransmits = retransmits;
        this.helloBytesSent = helloBytesSent;
        this.replyBytesReceived = replyBytesReceived;
        this.hvrsReceived = hvrsReceived;
        this.hvrBytesReceived = hvrBytesReceived;
        this.hvrLatencyUs = hvrLatencyUs;
        this.serverHelloLatencyUs = serverHelloLatencyUs;
        this.intervals = List.copyOf(intervals);
    }

    /**
     * What counted as success in this run.
     *
     * @return {@link #HVR_AND_COOKIE_HELLO_SENT} or {@link #SERVER_HELLO_RECEIVED}.
     */
    public String successCriterion()
    {
        return successCriterion;
    }

    /**
     * Wall time of the run, the drain of in-flight attempts included.
     *
     * @return nanoseconds.
     */
    public long durationNs()
    {
        return durationNs;
    }

    /**
     * Attempts started.
     *
     * @return count.
     */
    public long attempts()
    {
        return attempts;
    }

    /**
     * Attempts that succeeded.
     *
     * @return count.
     */
    public long succeeded()
    {
        return succeeded;
    }

    /**
     * Attempts that failed, all reasons.
     *
     * @return count.
     */
    public long failed()
    {
        long total = 0;
        for (final long count : failures.values())
        {
            total += count;
        }
        return total;
    }

    /**
     * Failed attempts of one reason.
     *
     * @param reason the failure.
     * @return count.
     */
    public long failures(final AttemptFailure reason)
    {
        return failures.getOrDefault(reason, 0L);
    }

    /**
     * Replies that did not parse, by why.
     *
     * @param failure the parse failure.
     * @return count.
     */
    public long malformedReplies(final HelloVerifyRequestParser.Failure failure)
    {
        return malformedReplies.getOrDefault(failure, 0L);
    }

    /**
     * Succeeded / attempts.
     *
     * @return 0 to 1; 0 when nothing was attempted.
     */
    public double successRatio()
    {
        return attempts == 0 ? 0.0 : (double)succeeded / attempts;
    }

    /**
     * Hellos sent again after a timeout.
     *
     * @return count.
     */
    public long retransmits()
    {
        return retransmits;
    }

    /**
     * Well-formed HVRs received.
     *
     * @return count.
     */
    public long hvrsReceived()
    {
        return hvrsReceived;
    }

    /**
     * Latency from the first hello of an attempt to its HVR, in microseconds: one value per HVR round trip.
     *
     * @return the histogram (owned by the report).
     */
    public Histogram hvrLatencyUs()
    {
        return hvrLatencyUs;
    }

    /**
     * Latency from the first hello of an attempt to its ServerHello, in microseconds; empty without a handshake.
     *
     * @return the histogram (owned by the report).
     */
    public Histogram serverHelloLatencyUs()
    {
        return serverHelloLatencyUs;
    }

    /**
     * One entry per second of the run.
     *
     * @return the intervals in order.
     */
    public List<Interval> intervals()
    {
        return intervals;
    }

    /**
     * The report as one JSON object.
     *
     * @return JSON text.
     */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append('{');
        field(sb, "tool", "legit-clients").append(',');
        field(sb, "success_criterion", successCriterion).append(',');
        field(sb, "target", target).append(',');
        field(sb, "source", source).append(',');
        field(sb, "template", template).append(',');
        sb.append("\"start_epoch_ms\":").append(startEpochMs).append(',');
        sb.append("\"duration_s\":").append(format(durationNs / 1e9)).append(',');
        sb.append("\"attempts\":").append(attempts).append(',');
        sb.append("\"succeeded\":").append(succeeded).append(',');
        sb.append("\"failed\":").append(failed()).append(',');
        sb.append("\"success_ratio\":").append(format(successRatio())).append(',');
        sb.append("\"retransmits\":").append(retransmits).append(',');
        sb.append("\"hvrs_received\":").append(hvrsReceived).append(',');
        sb.append("\"hello_bytes_sent\":").append(helloBytesSent).append(',');
        sb.append("\"reply_bytes_received\":").append(replyBytesReceived).append(',');
        sb.append("\"hvr_bytes_received\":").append(hvrBytesReceived).append(',');
        sb.append("\"failures\":{");
        appendCounts(sb, failures);
        sb.append("},\"malformed_replies\":{");
        appendCounts(sb, malformedReplies);
        sb.append("},\"hvr_latency_us\":");
        latency(sb, hvrLatencyUs);
        sb.append(",\"server_hello_latency_us\":");
        latency(sb, serverHelloLatencyUs);
        sb.append(",\"intervals\":[");
        for (int i = 0; i < intervals.size(); i++)
        {
            final Interval interval = intervals.get(i);
            sb.append(i == 0 ? "" : ",")
                .append("{\"t\":").append(format(interval.tS()))
                .append(",\"started\":").append(interval.started())
                .append(",\"succeeded\":").append(interval.succeeded())
                .append(",\"failed\":").append(interval.failed())
                .append(",\"retransmits\":").append(interval.retransmits())
                .append(",\"hvr_p50_us\":").append(interval.hvrP50Us())
                .append(",\"hvr_p99_us\":").append(interval.hvrP99Us())
                .append(",\"hvr_max_us\":").append(interval.hvrMaxUs())
                .append('}');
        }
        sb.append("]}");
        return sb.toString();
    }

    private static void latency(final StringBuilder sb, final Histogram histogram)
    {
        final boolean empty = histogram.getTotalCount() == 0;
        sb.append("{\"count\":").append(histogram.getTotalCount())
            .append(",\"min\":").append(empty ? 0 : histogram.getMinValue())
            .append(",\"p50\":").append(histogram.getValueAtPercentile(50))
            .append(",\"p90\":").append(histogram.getValueAtPercentile(90))
            .append(",\"p99\":").append(histogram.getValueAtPercentile(99))
            .append(",\"p999\":").append(histogram.getValueAtPercentile(99.9))
            .append(",\"max\":").append(empty ? 0 : histogram.getMaxValue())
            .append(",\"mean\":").append(format(empty ? 0.0 : histogram.getMean()))
            .append('}');
    }

    private static <E extends Enum<E>> void appendCounts(final StringBuilder sb, final Map<E, Long> counts)
    {
        boolean first = true;
        for (final Map.Entry<E, Long> entry : counts.entrySet())
        {
            if (entry.getValue() == 0)
            {
                continue;
            }
            final E key = entry.getKey();
            final String name = key instanceof AttemptFailure failure ?
                failure.label() : key.name().toLowerCase(Locale.ROOT);
            sb.append(first ? "" : ",").append('"').append(name).append("\":").append(entry.getValue());
            first = false;
        }
    }

    private static StringBuilder field(final StringBuilder sb, final String name, final String value)
    {
        sb.append('"').append(name).append("\":");
        return Json.appendQuoted(sb, value);
    }

    private static String format(final double value)
    {
        return String.format(Locale.ROOT, "%.6f", value);
    }
}
