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
 * {@code scripts/demo --xdp} end to end, small and short: in its veth topology, legit clients and one openssl
 * {@code s_client} get through a 50 kpps spoofed flood to {@code serve --xdp} and to plain {@code serve}, one phase
 * each; the JSON has both phases, the xdp phase's HelloVerifyRequests went out through AF_XDP, the markdown is
 * written, and no namespace is left behind. Root only (namespaces, XDP, AF_PACKET), with gcc and openssl; skipped
 * elsewhere. Uses the server and tools jars the reactor packaged before this module. Asserts no timing.
 */
class DemoXdpScriptTest
{
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRunBothPhasesThroughTheFloodAndLeaveNoNamespace(@TempDir final Path out) throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(ScriptChecks.onPath("gcc") && ScriptChecks.onPath("ip") && ScriptChecks.onPath("python3") && ScriptChecks.onPath("openssl"),
            "needs gcc, iproute2, python3, openssl");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("../server/target/turnstile.jar")) &&
            Files.isRegularFile(Path.of("../tools/target/tools.jar")), "needs the packaged server and tools jars");

        final Process demo = new ProcessBuilder("../scripts/demo", "--xdp", "--duration", "2", "--warmup", "1",
            "--rate", "50000", "--legit-rate", "50", "--openssl", "1", "--out", out.toString())
            .redirectErrorStream(true).start();
        final String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, demo.waitFor(), output);

        final List<Path> results;
        try (Stream<Path> files = Files.list(out))
        {
            results = files.filter((p) -> p.getFileName().toString().matches("demo-xdp-.*\\.json")).toList();
        }
        assertEquals(1, results.size(), output);
        final String json = Files.readString(results.get(0));
        final String markdown = Files.readString(Path.of(results.get(0).toString().replace(".json", ".md")));
        final boolean echo = json.contains("\"echo\": true");
        for (final String phase : List.of("xdp", "socket"))
        {
            assertTrue(markdown.contains("| " + phase + " | "), () -> phase + " row missing: " + markdown);
            final Matcher clients = Pattern.compile("\"mode\": \"" + phase + "\",.*?\"attempts\": (\\d+),\\s*" +
                "\"succeeded\": (\\d+),", Pattern.DOTALL).matcher(json);
            assertTrue(clients.find(), () -> phase + " clients missing: " + json);
            final long attempts = Long.parseLong(clients.group(1));
            final long succeeded = Long.parseLong(clients.group(2));
            assertTrue(attempts >= 20, () -> phase + " attempts " + attempts);
            // A small flood that both paths answer: most clients get through, give or take a JIT still warming up.
            assertTrue(succeeded * 10 >= attempts * 7, () -> phase + " succeeded " + succeeded + " of " + attempts);
            if (echo)
            {
                final Matcher openssl = Pattern.compile("\"mode\": \"" + phase + "\",.*?\"openssl\": \\[(.*?)]",
                    Pattern.DOTALL).matcher(json);
                assertTrue(openssl.find() && openssl.group(1).contains("\"ok\": true"),
                    () -> phase + ": openssl got no ServerHello: " + json);
            }
        }
        final Matcher xdp = Pattern.compile("\"mode\": \"xdp\",.*?\"xdp\": \\{\\s*\"rx\": (\\d+),\\s*\"tx\": (\\d+),",
            Pattern.DOTALL).matcher(json);
        assertTrue(xdp.find(), () -> "the xdp phase's stats carry no xdp object: " + json);
        assertTrue(Long.parseLong(xdp.group(2)) > 0, "HelloVerifyRequests sent through AF_XDP");
        assertTrue(json.indexOf("\"mode\": \"xdp\"") < json.indexOf("\"mode\": \"socket\""), "phases in order");
        assertTrue(!json.substring(json.indexOf("\"mode\": \"socket\"")).contains("\"xdp\": {"),
            "the socket phase runs without AF_XDP");

        ScriptChecks.assertNoNamespaceLeft(output, Pattern.compile("namespaces (tsq\\d+)f/s"));
    }
}
