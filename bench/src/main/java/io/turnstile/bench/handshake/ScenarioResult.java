package io.turnstile.bench.handshake;

import io.turnstile.tools.flood.FloodReport;
import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Map;

/**
 * What one scenario of the {@link HandshakeBenchmark} measured: the legit clients' completed handshakes and their
 * latencies, failures by reason, the flood that ran beside them (if any), and the server's counters over the
 * scenario.
 *
 * @param name             {@code no-flood}, or {@code flood-PPS} / {@code flood-max}.
 * @param floodRate        the flood's target rate: -1 for none, 0 for max, else packets per second.
 * @param clients          concurrent clients.
 * @param durationNs       the measured window: clients begin handshakes only within it.
 * @param elapsedNs        from the clients' start to the last one's end (past the window by the handshakes in
 *                         flight at its end, up to a handshake timeout).
 * @param attempts         handshakes begun.
 * @param completed        handshakes completed with their echo round trip.
 * @param completedInWindow of those, the ones completed within the window.
 * @param failures         failed iterations by reason.
 * @param handshakeUs      hello sent to handshake complete, microseconds, one value per completed handshake.
 * @param echoUs           echo round trip after the handshake, microseconds, one value per completed handshake.
 * @param flood            the flood's report, or null without a flood.
 * @param serverReceived   datagrams the verifier received during the scenario.
 * @param serverReplies    HelloVerifyRequests it sent.
 * @param serverVerified   hellos it verified.
 * @param serverDropped    datagrams it dropped.
 * @param serverCompleted  handshakes the echo server completed.
 * @param serverFailed     handshakes the echo server saw fail or time out.
 * @param serverRefused    verified peers the echo server refused by a cap.
 * @param echoCounters     the echo server's cumulative counters at the scenario's end, a JSON object.
 */
public record ScenarioResult(
    String name,
    long floodRate,
    int clients,
    long durationNs,
    long elapsedNs,
    long attempts,
    long completed,
    long completedInWindow,
    Map<String, Long> failures,
    Histogram handshakeUs,
    Histogram echoUs,
    FloodReport flood,
    long serverReceived,
    long serverReplies,
    long serverVerified,
    long serverDropped,
    long serverCompleted,
    long serverFailed,
    long serverRefused,
    String echoCounters)
{
    /**
     * Completed handshakes per second of the measured window: one client stuck in a handshake timeout at the end
     * of the window does not stretch the divisor.
     *
     * @return handshakes completed within the window over its length; 0 when nothing was timed.
     */
    public double handshakesPerSecond()
    {
        return durationNs <= 0 ? 0 : completedInWindow * 1e9 / durationNs;
    }

    /**
     * Failed iterations in all.
     *
     * @return the sum over reasons.
     */
    public long failed()
    {
        long sum = 0;
        for (final long count : failures.values())
        {
            sum += count;
        }
        return sum;
    }

    /**
     * The scenario as a JSON object.
     *
     * @return one line of JSON, keys in snake case, latencies in microseconds.
     */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("{\"name\":\"").append(name).append('"')
            .append(",\"flood_rate\":").append(floodRate < 0 ? "null" : floodRate == 0 ? "\"max\"" : floodRate)
            .append(",\"clients\":").append(clients)
            .append(",\"window_s\":").append(String.format(Locale.ROOT, "%.3f", durationNs / 1e9))
            .append(",\"elapsed_s\":").append(String.format(Locale.ROOT, "%.3f", elapsedNs / 1e9))
            .append(",\"attempts\":").append(attempts)
            .append(",\"completed\":").append(completed)
            .append(",\"completed_in_window\":").append(completedInWindow)
            .append(",\"handshakes_per_s\":").append(String.format(Locale.ROOT, "%.1f", handshakesPerSecond()))
            .append(",\"failed\":").append(failed())
            .append(",\"failures\":{");
        boolean first = true;
        for (final Map.Entry<String, Long> entry : failures.entrySet())
        {
            sb.append(first ? "" : ",").append('"').append(entry.getKey()).append("\":").append(entry.getValue());
            first = false;
        }
        sb.append("},\"handshake_us\":");
        appendHistogram(sb, handshakeUs);
        sb.append(",\"echo_us\":");
        appendHistogram(sb, echoUs);
        sb.append(",\"flood\":").append(null == flood ? "null" : flood.toJson())
            .append(",\"server\":{\"received\":").append(serverReceived)
            .append(",\"hvr\":").append(serverReplies)
            .append(",\"verified\":").append(serverVerified)
            .append(",\"dropped\":").append(serverDropped)
            .append(",\"handshakes_completed\":").append(serverCompleted)
            .append(",\"handshakes_failed\":").append(serverFailed)
            .append(",\"refused_by_cap\":").append(serverRefused)
            .append("},\"echo_cumulative\":").append(echoCounters)
            .append('}');
        return sb.toString();
    }

    private static void appendHistogram(final StringBuilder sb, final Histogram histogram)
    {
        sb.append("{\"count\":").append(histogram.getTotalCount());
        if (histogram.getTotalCount() > 0)
        {
            sb.append(",\"min\":").append(histogram.getMinValue())
                .append(",\"mean\":").append(String.format(Locale.ROOT, "%.1f", histogram.getMean()))
                .append(",\"p50\":").append(histogram.getValueAtPercentile(50))
                .append(",\"p90\":").append(histogram.getValueAtPercentile(90))
                .append(",\"p99\":").append(histogram.getValueAtPercentile(99))
                .append(",\"p999\":").append(histogram.getValueAtPercentile(99.9))
                .append(",\"max\":").append(histogram.getMaxValue());
        }
        sb.append('}');
    }
}
