package io.turnstile.bench.handshake;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioResultTest
{
    @Test
    void shouldRateHandshakesOverTheWindowAndSumFailures()
    {
        final Map<String, Long> failures = new TreeMap<>(Map.of("handshake_timeout", 2L, "echo_timeout", 1L));
        final ScenarioResult result = result(failures, 2_000_000_000L, 7_000_000_000L, 400, 390);

        assertEquals(195.0, result.handshakesPerSecond(), 1e-9);
        assertEquals(3, result.failed());
    }

    @Test
    void shouldWriteFailuresAndPercentilesIntoTheJson()
    {
        final ScenarioResult result = result(new TreeMap<>(Map.of("handshake_timeout", 2L)), 1_000_000_000L,
            1_000_000_000L, 3, 3);
        result.handshakeUs().recordValue(1_000);
        result.handshakeUs().recordValue(2_000);
        result.handshakeUs().recordValue(3_000);

        final String json = result.toJson();

        assertTrue(json.startsWith("{\"name\":\"flood-max\",\"flood_rate\":\"max\","), json);
        assertTrue(json.contains("\"negotiated_suites\":\"TLS_PSK_WITH_AES_128_CCM_8\""), json);
        assertTrue(json.contains("\"failures\":{\"handshake_timeout\":2}"), json);
        assertTrue(json.contains("\"handshake_us\":{\"count\":3,\"min\":1000,"), json);
        assertTrue(json.contains("\"echo_us\":{\"count\":0}"), json);
        assertTrue(json.contains("\"flood\":null"), json);
        assertTrue(json.endsWith("\"echo_cumulative\":{\"created\":3}}"), json);
    }

    private static ScenarioResult result(
        final Map<String, Long> failures,
        final long durationNs,
        final long elapsedNs,
        final long completed,
        final long completedInWindow)
    {
        return new ScenarioResult("flood-max", 0, 2, "TLS_PSK_WITH_AES_128_CCM_8", durationNs, elapsedNs,
            completed + 3, completed, completedInWindow, failures, new Histogram(HandshakeLoop.HIGHEST_TRACKABLE_US, 3),
            new Histogram(HandshakeLoop.HIGHEST_TRACKABLE_US, 3), null, 10, 5, 3, 0, 3, 0, 0, "{\"created\":3}");
    }
}
