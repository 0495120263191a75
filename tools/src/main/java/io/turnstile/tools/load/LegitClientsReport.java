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
 *
 * @param successCriterion     {@link #HVR_AND_COOKIE_HELLO_SENT} or {@link #SERVER_HELLO_RECEIVED}.
 * @param target               the server, {@code HOST:PORT}.
 * @param source               the clients' source address.
 * @param template             the capture the hellos are built from.
 * @param startEpochMs         wall-clock start of the run.
 * @param durationNs           wall time of the run, the drain of in-flight attempts included.
 * @param attempts             attempts started.
 * @param succeeded            attempts that succeeded.
 * @param failures             failed attempts by reason.
 * @param malformedReplies     replies that did not decode, by why.
 * @param retransmits          hellos sent again after a timeout.
 * @param helloBytesSent       bytes of every hello sent.
 * @param replyBytesReceived   bytes of every reply received.
 * @param hvrsReceived         well-formed HVRs received.
 * @param hvrBytesReceived     bytes of those HVRs.
 * @param hvrLatencyUs         first hello to HVR, microseconds, one value per HVR round trip.
 * @param serverHelloLatencyUs first hello to ServerHello, microseconds; empty without a handshake.
 * @param intervals            one entry per second of the run, in order.
 */
public record LegitClientsReport(
    String successCriterion,
    String target,
    String source,
    String template,
    long startEpochMs,
    long durationNs,
    long attempts,
    long succeeded,
    EnumMap<AttemptFailure, Long> failures,
    EnumMap<HelloVerifyRequestDecoder.Failure, Long> malformedReplies,
    long retransmits,
    long helloBytesSent,
    long replyBytesReceived,
    long hvrsReceived,
    long hvrBytesReceived,
    Histogram hvrLatencyUs,
    Histogram serverHelloLatencyUs,
    List<Interval> intervals)
{
    /** Success criterion without a handshake behind the verifier. */
    public static final String HVR_AND_COOKIE_HELLO_SENT = "hvr_received_and_cookie_hello_sent";
    /** Success criterion with a handshake behind the verifier. */
    public static final String SERVER_HELLO_RECEIVED = "server_hello_received";

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

    /**
     * The intervals are copied: the report is immutable but for its histograms, which it owns.
     */
    public LegitClientsReport
    {
        intervals = List.copyOf(intervals);
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
