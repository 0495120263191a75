package io.turnstile.tools.fleet;

import io.turnstile.tools.load.LegitClientsMain;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code scripts/fleet} end to end, as root: three {@code turnstile serve} nodes in network namespaces behind one
 * virtual IP, spread by nftables (spray: {@code numgen inc}; flow-hash: {@code jhash}) with policy routing and direct
 * server return, driven by the real legit-client load and {@code openssl s_client}. The nodes run the server jar the
 * reactor built ({@code server/target/turnstile.jar}, else the script's launcher builds it), the clients this module's
 * classes. Skipped without root.
 */
class FleetScriptSystemTest
{
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String JVM_FLAGS =
        "--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED";

    @TempDir
    Path tempDir;

    @BeforeAll
    static void requireRoot() throws IOException
    {
        assumeTrue(isRoot(), "network namespaces and nftables need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")) ||
            Files.isExecutable(Path.of("/usr/bin/ip")), "needs iproute2");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldSpreadEveryCookieExchangeOverAllNodesInSprayMode() throws Exception
    {
        final String report = fleet("--nodes", "3", "--mode", "spray", "--duration", "4", "--legit-rate", "150",
            "--openssl", "2");

        assertEquals(1.0, number(report, "success_ratio"), 0.0, report);
        final List<Map<String, Long>> nodes = nodes(report);
        final long hvr = sum(nodes, "hvr");
        final long verified = sum(nodes, "verified");
        assertTrue(verified >= number(report, "succeeded"), report);
        for (final Map<String, Long> node : nodes)
        {
            assertTrue(node.get("hvr") >= 0.2 * hvr, "each node >= 20 % of the HVRs: " + report);
            assertTrue(node.get("verified") >= 0.2 * verified, "each node >= 20 % of the verified: " + report);
            assertEquals(0, node.get("unknown_key") + node.get("bad_mac"), "no cookie refused: " + report);
        }
        assertEquals(2, number(report, "\"openssl\": \\{\\s*\"runs\""), report);
        assertEquals(2, number(report, "\"ok\""), "openssl got its HelloVerifyRequest: " + report);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRefuseTheOtherNodesCookiesOnANodeWithAnotherMaster() throws Exception
    {
        final String report = fleet("--nodes", "3", "--mode", "spray", "--duration", "3", "--legit-rate", "150",
            "--openssl", "0", "--foreign-node", "3");

        final List<Map<String, Long>> nodes = nodes(report);
        final Map<String, Long> foreign = nodes.get(2);
        final long foreignRefused = foreign.get("unknown_key") + foreign.get("bad_mac");
        // A spray sends a cookie hello to the node that made its cookie one time in three: the others' refuse it.
        assertTrue(foreignRefused > foreign.get("valid"), "the foreign node refuses most cookies: " + report);
        // Which node gets the foreign node's cookie hellos depends on how the clients' packets interleave in the
        // spray (strictly sequential traffic sends them all to one neighbour): together the others refuse them.
        long othersRefused = 0;
        for (int i = 0; i < 2; i++)
        {
            othersRefused += nodes.get(i).get("unknown_key") + nodes.get(i).get("bad_mac");
        }
        assertTrue(othersRefused > 0, "the other nodes refuse the foreign node's cookies: " + report);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoThroughTheVipInFlowHashModeBeforeAndAfterANodeIsDrained() throws Exception
    {
        final String report = fleet("--nodes", "3", "--mode", "flow-hash", "--echo", "--duration", "8",
            "--legit-rate", "50", "--openssl", "3", "--drain-after", "3");

        assertEquals(3, number(report, "\"ok\""), "every openssl handshake + echo: " + report);
        assertEquals(1.0, number(report, "success_ratio"), 0.0, "every legit ServerHello: " + report);
        assertEquals(3, number(report, "drained_node"), report);
        final List<Map<String, Long>> nodes = nodes(report);
        assertTrue(nodes.get(0).get("verified") > 0 && nodes.get(1).get("verified") > 0, report);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRollANewMasterThroughTheFleetTheStagedWayWhileSprayedClientsRun() throws Exception
    {
        final String report = fleet("--nodes", "3", "--mode", "spray", "--duration", "6", "--legit-rate", "150",
            "--openssl", "0", "--roll", "staged", "--roll-at", "1");

        assertNoExchangeLost(report, 3);
        final long otherKey = nodes(report).stream().mapToLong(node -> node.get("valid_previous_key")).sum();
        assertTrue(otherKey > 0, "cookies of the other master verified during the roll: " + report);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldReplaceEachNodesSingleMasterInTurnUnderFlowHash() throws Exception
    {
        final String report = fleet("--nodes", "3", "--mode", "flow-hash", "--duration", "5", "--legit-rate", "150",
            "--openssl", "0", "--roll", "single", "--roll-at", "1");

        assertNoExchangeLost(report, 1);
    }

    private static void assertNoExchangeLost(final String report, final long reloadsPerNode)
    {
        assertEquals(1.0, number(report, "success_ratio"), 0.0, report);
        final List<Map<String, Long>> nodes = nodes(report);
        assertTrue(sum(nodes, "verified") >= number(report, "succeeded"), "every exchange verified: " + report);
        for (final Map<String, Long> node : nodes)
        {
            assertEquals(0, node.get("unknown_key") + node.get("bad_mac"), "no cookie refused: " + report);
            assertEquals(reloadsPerNode, node.get("key_reloads"), report);
            assertEquals(0, node.get("key_reload_failures"), report);
        }
    }

    private String fleet(final String... args) throws IOException, InterruptedException
    {
        final Path json = tempDir.resolve("fleet.json");
        final Path log = tempDir.resolve("fleet.log");
        final List<String> command = new ArrayList<>(List.of(ROOT.resolve("scripts/fleet").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--json", json.toString()));
        final ProcessBuilder builder =
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        final Path serverJar = ROOT.resolve("server/target/turnstile.jar");
        if (Files.isRegularFile(serverJar))
        {
            builder.environment().put("FLEET_TURNSTILE", JAVA + " " + JVM_FLAGS + " -jar " + serverJar);
        }
        builder.environment().put("FLEET_LEGIT_CLIENTS", JAVA + " " + JVM_FLAGS + " -Xmx128m -cp " +
            System.getProperty("java.class.path") + " " + LegitClientsMain.class.getName());
        builder.environment().put("TURNSTILE_JAVA_OPTS", "-Xmx128m");
        final Process process = builder.start();
        try
        {
            assertTrue(process.waitFor(170, TimeUnit.SECONDS), "scripts/fleet did not finish: " + read(log));
        }
        finally
        {
            // SIGTERM: the script's trap stops what it started by PID and removes its namespaces.
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(0, process.exitValue(), read(log));
        final String output = read(log);
        assertTrue(output.contains("Turnstile fleet: 3 nodes"), output);
        return Files.readString(json, StandardCharsets.UTF_8) + "\n" + output;
    }

    private static List<Map<String, Long>> nodes(final String report)
    {
        final List<Map<String, Long>> nodes = new ArrayList<>();
        final Matcher matcher = Pattern.compile("\"node\": (\\d+),(.*?)\"handshakes\"", Pattern.DOTALL)
            .matcher(report);
        while (matcher.find())
        {
            final String body = matcher.group(2);
            nodes.add(Map.of(
                "valid_previous_key", field(body, "valid_previous_key"),
                "key_reloads", field(body, "key_reloads"),
                "key_reload_failures", field(body, "key_reload_failures"),
                "hvr", field(body, "hvr"),
                "verified", field(body, "verified"),
                "valid", field(body, "valid"),
                "unknown_key", field(body, "unknown_key"),
                "bad_mac", field(body, "bad_mac")));
        }
        assertEquals(3, nodes.size(), report);
        return nodes;
    }

    private static long field(final String body, final String name)
    {
        final Matcher matcher = Pattern.compile("\"" + name + "\": (\\d+)").matcher(body);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static double number(final String report, final String key)
    {
        final String pattern = key.startsWith("\"") ? key : "\"" + key + "\"";
        final Matcher matcher = Pattern.compile(pattern + ": ([0-9.]+)").matcher(report);
        assertTrue(matcher.find(), key + " in " + report);
        return Double.parseDouble(matcher.group(1));
    }

    private static long sum(final List<Map<String, Long>> nodes, final String name)
    {
        return nodes.stream().mapToLong(node -> node.get(name)).sum();
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    private static boolean isRoot() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Uid:"))
            {
                return "0".equals(line.split("\\s+")[1]);
            }
        }
        return false;
    }
}
