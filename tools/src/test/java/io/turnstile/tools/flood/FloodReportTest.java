package io.turnstile.tools.flood;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FloodReportTest
{
    @Test
    @Timeout(10)
    void shouldSummariseAsOneLineOfJsonWithTheContractKeysFirst()
    {
        final FloodReport report = new FloodReport("raw", "127.0.0.1:4433", "127.0.0.0/8", 16_646_143, 16,
            "openssl-dtls12-ch1-nocookie.bin", 205, 32, 0, 150_000, 30_750_000, 34_950_000, 3_000_000_000L, 2, 5,
            "EPERM", "duration", "say \"hi\"\n");

        assertEquals(50_000, report.pps(), 1e-9);
        assertEquals("{\"sent\":150000,\"bytes\":30750000,\"duration_s\":3.000,\"pps\":50000,\"mode\":\"raw\"," +
            "\"target\":\"127.0.0.1:4433\",\"sources\":\"127.0.0.0/8\",\"source_addresses\":16646143," +
            "\"sink_ports\":16,\"template\":\"openssl-dtls12-ch1-nocookie.bin\",\"payload_bytes\":205," +
            "\"wire_bytes\":34950000,\"batch\":32,\"rate\":\"max\",\"errors\":2,\"would_block\":5," +
            "\"last_error\":\"EPERM\",\"stopped_by\":\"duration\",\"notice\":\"say \\\"hi\\\"\\u000a\"}",
            report.toJson());
    }

    @Test
    @Timeout(10)
    void shouldReportZeroRateForAnUntimedFlood()
    {
        final FloodReport report = new FloodReport("udp", "127.0.0.1:1", "127.0.0.0/8", 1, 0, "t", 1, 1, 10, 0, 0,
            0, 0, 0, 0, null, "stop", null);
        assertEquals(0, report.pps());
        assertEquals(true, report.toJson().contains("\"rate\":10,\"errors\":0,\"would_block\":0," +
            "\"last_error\":null,\"stopped_by\":\"stop\",\"notice\":null}"));
    }
}
