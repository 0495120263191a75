package io.turnstile.bench.handshake;

import io.turnstile.tools.JsonWriter;
import io.turnstile.tools.flood.FloodReport;
import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * What one scenario of the {@link HandshakeBenchmark} measured: the legit clients' completed handshakes and their
 * latencies, failures by reason, the flood that ran beside them (if any), and the server's counters over the
 * scenario.
 *
 * @param name             {@code no-flood}, or {@code flood-PPS} / {@code flood-max}.
 * @param floodRate        the flood's target rate: -1 for none, 0 for max, else packets per second.
 * @param clients          concurrent clients.
 * @param negotiatedSuites the cipher suites the completed handshakes negotiated, by name, comma separated ("-" when
 *                         none completed).
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
    String negotiatedSuites,
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
        final JsonWriter json = new JsonWriter().beginObject().name("name").value(name).name("flood_rate");
        (floodRate < 0 ? json.raw("null") : floodRate == 0 ? json.value("max") : json.value(floodRate))
            .name("clients").value(clients)
            .name("negotiated_suites").value(negotiatedSuites)
            .name("window_s").value(durationNs / 1e9, 3)
            .name("elapsed_s").value(elapsedNs / 1e9, 3)
            .name("attempts").value(attempts)
            .name("completed").value(completed)
            .name("completed_in_window").value(completedInWindow)
            .name("handshakes_per_s").value(handshakesPerSecond(), 1)
            .name("failed").value(failed())
            .name("failures").beginObject();
        failures.forEach((reason, count) -> json.name(reason).value(count));
        histogram(json.endObject().name("handshake_us"), handshakeUs);
        histogram(json.name("echo_us"), echoUs);
        return json.name("flood").raw(null == flood ? "null" : flood.toJson())
            .name("server").beginObject()
            .name("received").value(serverReceived)
            .name("hvr").value(serverReplies)
            .name("verified").value(serverVerified)
            .name("dropped").value(serverDropped)
            .name("handshakes_completed").value(serverCompleted)
            .name("handshakes_failed").value(serverFailed)
            .name("refused_by_cap").value(serverRefused)
            .endObject().name("echo_cumulative").raw(echoCounters)
            .endObject().toString();
    }

    private static void histogram(final JsonWriter json, final Histogram histogram)
    {
        json.beginObject().name("count").value(histogram.getTotalCount());
        if (histogram.getTotalCount() > 0)
        {
            json.name("min").value(histogram.getMinValue())
                .name("mean").value(histogram.getMean(), 1)
                .name("p50").value(histogram.getValueAtPercentile(50))
                .name("p90").value(histogram.getValueAtPercentile(90))
                .name("p99").value(histogram.getValueAtPercentile(99))
                .name("p999").value(histogram.getValueAtPercentile(99.9))
                .name("max").value(histogram.getMaxValue());
        }
        json.endObject();
    }
}
