package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forked run's result comes back to the parent whole: the JSON object the child writes, which the parent puts in
 * its report as is, carries every rate, count, text and per-second sample.
 */
class PpsRunResultTest
{
    @Test
    void shouldWriteEveryFieldAndSecond()
    {
        final PpsRun.Settings settings = new PpsRun.Settings("turnstile", 32, 1, 0, CookieKeys.random(),
            ResponderBenchmark.Options.parse(new String[]{"--warmup", "2", "--measure", "5", "--flood", "raw"}));
        final List<PpsRun.Second> seconds = List.of(
            new PpsRun.Second(1, false, 1000, 900, 900, 0, 100, 1.0),
            new PpsRun.Second(2, true, 2000, 1900, 1890, 10, 0, 1.001));
        final PpsRun.Result written = new PpsRun.Result(settings, "VerifierAgent\twith a tab", "raw-sinks: x", 1.5,
            5.004, 123_456.5, 120_000.25, 119_999, 0, 1.5, 3_456.75, 7, 0, seconds, null);

        final String json = written.toJson();

        for (final String expected : new String[]{"\"responder\":\"turnstile\"", "\"batch\":32", "\"workers\":1",
            "\"target_pps\":\"max\"", "\"description\":\"VerifierAgent\\u0009with a tab\"",
            "\"topology\":\"raw-sinks: x\"", "\"load_average\":1.50", "\"measured_s\":5.0",
            "\"offered_pps\":123456.500", "\"received_pps\":120000.250", "\"replied_pps\":119999.000",
            "\"verified_pps\":0.000", "\"dropped_pps\":1.500", "\"kernel_rcvbuf_drops_pps\":3456.750",
            "\"reply_failures\":7", "\"udp_no_ports\":0", "\"error\":null",
            "{\"t\":1,\"measured\":false,\"interval_s\":1.0,\"offered\":1000,\"received\":900,\"replied\":900," +
                "\"dropped\":0,\"kernel_drops\":100}",
            "{\"t\":2,\"measured\":true,\"interval_s\":1.0,\"offered\":2000,\"received\":1900,\"replied\":1890," +
                "\"dropped\":10,\"kernel_drops\":0}"})
        {
            assertTrue(json.contains(expected), expected + " in " + json);
        }
    }

    @Test
    void shouldCarryAFailedRunsError()
    {
        final PpsRun.Settings settings = new PpsRun.Settings("netty", 8, 1, 50_000, CookieKeys.random(),
            ResponderBenchmark.Options.parse(new String[]{"--warmup", "1", "--measure", "1", "--flood", "udp"}));
        final String json = new PpsRun.Result(settings, "netty", "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(),
            "java.lang.IllegalStateException: Netty epoll is unavailable").toJson();

        assertTrue(json.contains("\"error\":\"java.lang.IllegalStateException: Netty epoll is unavailable\""), json);
        assertTrue(json.contains("\"target_pps\":50000"), json);
    }
}
