package io.turnstile.bench.xdp;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/bench --xdp} end to end, at a low rate for one second: the harness builds its flooder, reply sink
 * and C ceiling, makes its namespaces, runs {@code serve --xdp}, plain {@code serve}, the C AF_XDP responder, the
 * busy-polling variants of both and one with its worker in real time one after the other, then legit clients against each Turnstile mode with a tcpdump of
 * their exchanges, writes a JSON with one row per mode whose replies came from the server and the markdown, and
 * leaves no namespace behind. Root only (namespaces, XDP, AF_PACKET), with gcc and tcpdump; skipped elsewhere. Uses
 * the server and tools jars the reactor packaged before this module.
 */
class BenchXdpScriptTest
{
    private static final int RATE = 20_000;
    private static final List<String> MODES = List.of("xdp", "socket", "c", "xdp-busy", "c-busy", "xdp-busy-fifo");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldMeasureEveryModeAndTimeLegitExchangesAndLeaveNoNamespace(@TempDir final Path out) throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(ScriptChecks.onPath("gcc") && ScriptChecks.onPath("ip") && ScriptChecks.onPath("python3") &&
            ScriptChecks.onPath("tcpdump"), "needs gcc, iproute2, python3, tcpdump");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("../server/target/turnstile.jar")) &&
            Files.isRegularFile(Path.of("../tools/target/tools.jar")), "needs the packaged server and tools jars");

        final Process bench = new ProcessBuilder("../scripts/bench", "--xdp", "--no-build", "--duration", "1",
            "--warmup", "0", "--repeat", "1", "--rates", String.valueOf(RATE), "--modes", String.join(",", MODES),
            "--legit-capture", "--legit-flood", String.valueOf(RATE), "--legit-rate", "50", "--legit-duration", "1",
            "--out", out.toString())
            .redirectErrorStream(true).start();
        final String output = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, bench.waitFor(), output);

        final List<Path> results;
        try (Stream<Path> files = Files.list(out))
        {
            results = files.filter((p) -> p.toString().endsWith(".json")).toList();
        }
        assertEquals(1, results.size(), output);
        final String json = Files.readString(results.get(0));
        assertTrue(Files.readString(Path.of(results.get(0).toString().replace(".json", ".md")))
            .contains("| rx1 | " + RATE + " |"), output);
        for (final String mode : MODES)
        {
            final Matcher row = Pattern.compile("\"placement\": \"rx1\",\\s*\"mode\": \"" + mode +
                "\",\\s*\"repeat\": 1,\\s*\"rate\": \"" + RATE + "\",\\s*\"offered\": (\\d+),.*?\"emitted\": (\\d+),",
                Pattern.DOTALL).matcher(json);
            assertTrue(row.find(), () -> mode + " row missing: " + json);
            final long offered = Long.parseLong(row.group(1));
            final long emitted = Long.parseLong(row.group(2));
            assertTrue(offered >= RATE / 2, () -> mode + " offered " + offered);
            // Every hello is answered at this rate, give or take what the ring drops while the JIT warms up.
            assertTrue(emitted >= offered / 2 && emitted <= offered, () -> mode + " emitted " + emitted + " of " +
                offered);
        }
        assertTrue(json.contains("\"redirected\""), "the xdp server's stats line carries the xdp object");
        assertTrue(json.contains("\"kicks\""), "the C ceiling's counters are recorded");
        for (final String mode : List.of("xdp", "socket", "xdp-busy", "xdp-busy-fifo"))
        {
            // The legit clients' cookie exchanges as tcpdump saw them at the clients' veth, answered ones timed. How
            // many the clients start in their one second depends on how fast their JVM warms up on a loaded machine
            // (a slipped start is not made up), so the capture is held to the clients' own count, not a fixed one.
            final Matcher capture = Pattern.compile("\"kind\": \"legit\",\\s*\"mode\": \"" + mode +
                "\"(?:(?!\"kind\").)*?\"attempts\": (\\d+)," +
                "(?:(?!\"kind\").)*?\"capture\": \\{\\s*\"exchanges\": (\\d+),\\s*\"answered\": (\\d+)", Pattern.DOTALL)
                .matcher(json);
            assertTrue(capture.find(), () -> mode + " legit capture missing: " + json);
            final long attempts = Long.parseLong(capture.group(1));
            final long exchanges = Long.parseLong(capture.group(2));
            final long answered = Long.parseLong(capture.group(3));
            // tcpdump in immediate mode sees every exchange; the slack is for one lost under a loaded machine.
            assertTrue(attempts >= 1 && exchanges >= attempts - 1 - attempts / 20 && exchanges <= attempts &&
                answered >= (exchanges + 1) / 2 && answered <= exchanges,
                () -> mode + ": " + answered + " of " + exchanges + " captured exchanges answered, the clients made " +
                attempts + " attempts");
        }
        ScriptChecks.assertNoNamespaceLeft(output, Pattern.compile("bench: xdp: namespaces (tsq\\d+)"));
    }
}
