package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A forked run's result comes back to the parent whole: every rate, count, text and per-second sample.
 */
class ResultFileTest
{
    @Test
    void shouldReadBackEveryFieldAndSecondItWrote(@TempDir final Path dir) throws Exception
    {
        final PpsRun.Settings settings = new PpsRun.Settings(
            "turnstile", 32, 1, 0, 1, 0, 2, 5, 1_000_000, CookieKeys.random(), null, false);
        final List<PpsRun.Second> seconds = List.of(
            new PpsRun.Second(1, false, 1000, 900, 900, 0, 100, 1.0),
            new PpsRun.Second(2, true, 2000, 1900, 1890, 10, 0, 1.001));
        final PpsRun.Result written = new PpsRun.Result(settings, "VerifierAgent\twith a tab", "raw-sinks: x", 1.5,
            5.004, 123_456.5, 120_000.25, 119_999, 0, 1.5, 3_456.75, 7, 0, seconds, null);

        final Path file = dir.resolve("run.tsv");
        ResultFile.write(written, file);
        final PpsRun.Result read = ResultFile.read(file, settings);

        assertEquals("VerifierAgent with a tab", read.description());
        assertEquals(written.topology(), read.topology());
        assertEquals(written.loadAverage(), read.loadAverage());
        assertEquals(written.measuredSeconds(), read.measuredSeconds());
        assertEquals(written.offeredPps(), read.offeredPps());
        assertEquals(written.receivedPps(), read.receivedPps());
        assertEquals(written.repliedPps(), read.repliedPps());
        assertEquals(written.verifiedPps(), read.verifiedPps());
        assertEquals(written.droppedPps(), read.droppedPps());
        assertEquals(written.kernelDropPps(), read.kernelDropPps());
        assertEquals(written.replyFailures(), read.replyFailures());
        assertEquals(written.noPorts(), read.noPorts());
        assertEquals(seconds, read.seconds());
        assertNull(read.error());
        assertEquals(settings, read.settings());
    }

    @Test
    void shouldCarryAFailedRunsError(@TempDir final Path dir) throws Exception
    {
        final PpsRun.Settings settings = new PpsRun.Settings(
            "netty", 8, 1, 0, 1, 50_000, 1, 1, 1000, CookieKeys.random(), null, false);
        final Path file = dir.resolve("failed.tsv");
        ResultFile.write(new PpsRun.Result(settings, "netty", "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(),
            "java.lang.IllegalStateException: Netty epoll is unavailable"), file);

        assertEquals("java.lang.IllegalStateException: Netty epoll is unavailable",
            ResultFile.read(file, settings).error());
    }
}
