package io.turnstile.tools.load;

import io.turnstile.codec.HelloVerifyRequestDecoder;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LegitClientsReportTest
{
    @Test
    void shouldSumFailuresAndWriteThemByLabel()
    {
        final EnumMap<AttemptFailure, Long> failures = new EnumMap<>(AttemptFailure.class);
        failures.put(AttemptFailure.HVR_TIMEOUT, 3L);
        failures.put(AttemptFailure.COOKIE_REJECTED, 1L);
        failures.put(AttemptFailure.IO_ERROR, 0L);
        final EnumMap<HelloVerifyRequestDecoder.Failure, Long> malformed =
            new EnumMap<>(HelloVerifyRequestDecoder.Failure.class);
        malformed.put(HelloVerifyRequestDecoder.Failure.EMPTY_COOKIE, 2L);
        final Histogram latency = new Histogram(1_000_000, 3);
        latency.recordValue(100);
        latency.recordValue(300);

        final LegitClientsReport report = new LegitClientsReport(
            LegitClientsReport.HVR_AND_COOKIE_HELLO_SENT, "127.0.0.1:4433", "127.0.0.2", "t\"1", 1_000L,
            2_000_000_000L, 10, 6, failures, malformed, 5, 2050, 490, 6, 294, latency, new Histogram(1_000_000, 3),
            List.of(new LegitClientsReport.Interval(1.0, 10, 6, 4, 5, 100, 300, 300)));

        assertEquals(4, report.failed());
        assertEquals(0.6, report.successRatio());
        final String json = report.toJson();
        assertTrue(json.contains("\"failures\":{\"hvr_timeout\":3,\"cookie_rejected\":1}"), json);
        assertTrue(json.contains("\"malformed_replies\":{\"empty_cookie\":2}"), json);
        assertTrue(json.contains("\"template\":\"t\\\"1\""), json);
        assertTrue(json.contains("\"start_epoch_ms\":1000,"), json);
        assertTrue(json.contains("\"hvr_latency_us\":{\"count\":2,\"min\":100,"), json);
        assertTrue(json.contains("\"intervals\":[{\"t\":1.000000,\"started\":10,\"succeeded\":6,\"failed\":4"), json);
        assertFalse(json.contains("io_error"), "zero counts are left out: " + json);
    }

    @Test
    void shouldReportZeroRatioWhenNothingWasAttempted()
    {
        final LegitClientsReport report = new LegitClientsReport(
            LegitClientsReport.SERVER_HELLO_RECEIVED, "[::1]:1", "::1", "t", 0, 0, 0, 0,
            new EnumMap<>(AttemptFailure.class), new EnumMap<>(HelloVerifyRequestDecoder.Failure.class), 0, 0, 0, 0,
            0, new Histogram(1_000_000, 3), new Histogram(1_000_000, 3), List.of());
        assertEquals(0.0, report.successRatio());
        assertTrue(report.toJson().contains("\"hvr_latency_us\":{\"count\":0,\"min\":0,"), report.toJson());
    }
}
