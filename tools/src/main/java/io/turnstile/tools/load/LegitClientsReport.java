package io.turnstile.tools.load;

import io.turnstile.codec.HelloVerifyRequestDecoder;
import io.turnstile.tools.JsonWriter;
import org.HdrHistogram.Histogram;

import java.util.EnumMap;
import java.util.LinkedHashMap;
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
    private final EnumMap<HelloVerifyRequestDecoder.Failure, Long> malformedReplies;
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
        final EnumMap<HelloVerifyRequestDecoder.Failure, Long> malformedReplies,
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
    public long malformedReplies(final HelloVerifyRequestDecoder.Failure failure)
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
        final JsonWriter json = new JsonWriter().beginObject()
            .name("tool").value("legit-clients")
            .name("success_criterion").value(successCriterion)
            .name("target").value(target)
            .name("source").value(source)
            .name("template").value(template)
            .name("start_epoch_ms").value(startEpochMs)
            .name("duration_s").value(durationNs / 1e9, 6)
            .name("attempts").value(attempts)
            .name("succeeded").value(succeeded)
            .name("failed").value(failed())
            .name("success_ratio").value(successRatio(), 6)
            .name("retransmits").value(retransmits)
            .name("hvrs_received").value(hvrsReceived)
            .name("hello_bytes_sent").value(helloBytesSent)
            .name("reply_bytes_received").value(replyBytesReceived)
            .name("hvr_bytes_received").value(hvrBytesReceived)
            .counts("failures", labels(failures))
            .counts("malformed_replies", labels(malformedReplies));
        latency(json.name("hvr_latency_us"), hvrLatencyUs);
        latency(json.name("server_hello_latency_us"), serverHelloLatencyUs);
        json.name("intervals").beginArray();
        for (final Interval interval : intervals)
        {
            json.beginObject().name("t").value(interval.tS(), 6)
                .name("started").value(interval.started())
                .name("succeeded").value(interval.succeeded())
                .name("failed").value(interval.failed())
                .name("retransmits").value(interval.retransmits())
                .name("hvr_p50_us").value(interval.hvrP50Us())
                .name("hvr_p99_us").value(interval.hvrP99Us())
                .name("hvr_max_us").value(interval.hvrMaxUs())
                .endObject();
        }
        return json.endArray().endObject().toString();
    }

    private static void latency(final JsonWriter json, final Histogram histogram)
    {
        final boolean empty = histogram.getTotalCount() == 0;
        json.beginObject().name("count").value(histogram.getTotalCount())
            .name("min").value(empty ? 0 : histogram.getMinValue())
            .name("p50").value(histogram.getValueAtPercentile(50))
            .name("p90").value(histogram.getValueAtPercentile(90))
            .name("p99").value(histogram.getValueAtPercentile(99))
            .name("p999").value(histogram.getValueAtPercentile(99.9))
            .name("max").value(empty ? 0 : histogram.getMaxValue())
            .name("mean").value(empty ? 0.0 : histogram.getMean(), 6)
            .endObject();
    }

    private static <E extends Enum<E>> Map<String, Long> labels(final Map<E, Long> counts)
    {
        final Map<String, Long> labelled = new LinkedHashMap<>();
        counts.forEach((key, count) -> labelled.put(
            key instanceof AttemptFailure failure ? failure.label() : key.name().toLowerCase(Locale.ROOT), count));
        return labelled;
    }
}
