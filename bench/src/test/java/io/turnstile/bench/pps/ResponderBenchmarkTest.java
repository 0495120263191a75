package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's command line and plans: each mode plans the runs it says, and bad values are refused by name.
 */
class ResponderBenchmarkTest
{
    @Test
    void shouldPlanEveryBatchingResponderAtEveryBatchAndTheNioLoopsOnce()
    {
        final ResponderBenchmark.Options options = ResponderBenchmark.Options.parse(new String[]{
            "--responders", "turnstile,nio,netty,bc", "--batches", "1,64"});
        final List<PpsRun.Settings> plan = ResponderBenchmark.plan(options, CookieKeys.random());
        assertEquals(List.of("turnstile/1", "turnstile/64", "nio/1", "netty/1", "netty/64", "bc/1"),
            plan.stream().map(s -> s.responder() + "/" + s.batchSize()).toList());
    }

    @Test
    void shouldPlanASweepOverTheRatesAndWorkersUpToTheMaximum()
    {
        final List<PpsRun.Settings> sweep = ResponderBenchmark.plan(ResponderBenchmark.Options.parse(
            new String[]{"--mode", "sweep", "--rates", "50k,200000,max"}), CookieKeys.random());
        assertEquals(List.of(50_000L, 200_000L, 0L), sweep.stream().map(PpsRun.Settings::ratePps).toList());

        final List<PpsRun.Settings> workers = ResponderBenchmark.plan(ResponderBenchmark.Options.parse(
            new String[]{"--mode", "workers", "--max-workers", "3"}), CookieKeys.random());
        assertEquals(List.of(1, 2, 3), workers.stream().map(PpsRun.Settings::workers).toList());
    }

    @Test
    void shouldInterleaveRepeats()
    {
        final List<PpsRun.Settings> plan = ResponderBenchmark.plan(ResponderBenchmark.Options.parse(new String[]{
            "--responders", "turnstile,nio", "--batches", "8", "--repeat", "2"}), CookieKeys.random());
        assertEquals(List.of("turnstile", "nio", "turnstile", "nio"),
            plan.stream().map(PpsRun.Settings::responder).toList());
    }

    @Test
    void shouldRefuseBadValuesNamingThem()
    {
        assertMessage("unknown option --bogus", "--bogus", "1");
        assertMessage("responder must be one of", "--responders", "turnstile,quic");
        assertMessage("--batches must be 1 to 1024, got 0", "--batches", "8,0");
        assertMessage("a rate must be a number of pps or max, got fast", "--rate", "fast");
        assertMessage("--mode must be responders, sweep or workers, got flood", "--mode", "flood");
        assertMessage("--warmup + --measure must be at most 590 s", "--warmup", "60", "--measure", "590");
        assertMessage("--flood must be raw or udp, got tcp", "--flood", "tcp");
    }

    private static void assertMessage(final String expected, final String... args)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> ResponderBenchmark.Options.parse(args));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
