package io.turnstile.server;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.FleetMasters;
import io.turnstile.cookie.KeyRing;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.SignalDispositions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Master-key reload: in process against real {@link CookieKeys}, and through a real SIGHUP to a {@code serve} JVM the
 * test starts, which must keep serving (today's exit 129 is for servers without {@code --master-key-file}).
 */
class MasterKeyReloaderTest
{
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final long WAIT_MS = 20_000;
    private static final int SIGHUP = 1;

    @TempDir
    Path tempDir;

    @Test
    void shouldPutNewMastersInForceAndKeepTheOldOnesWhenTheFileIsBad() throws IOException
    {
        final Path file = write("master.key", MasterKeyFileTest.A);
        final CookieKeys keys = CookieKeys.fleet(MacAlgorithm.AES_CMAC, MasterKeyFile.read(file), 60_000, 60_000,
            2_000, System.currentTimeMillis());
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final MasterKeyReloader reloader =
            new MasterKeyReloader(file, keys, new PrintStream(err, true, StandardCharsets.UTF_8));

        write("master.key", "previous " + MasterKeyFileTest.A + "\ncurrent " + MasterKeyFileTest.B + "\n");
        assertTrue(reloader.reload("SIGHUP"));
        final KeyRing staged = keys.ring();
        assertEquals(FleetMasters.tag(HexFormat.of().parseHex(MasterKeyFileTest.B)), staged.current().id() >>> 2);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(reloader.reload("SIGHUP"));
        assertSame(staged, keys.ring());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        write("master.key", "current zz\n");
        assertFalse(reloader.reload("SIGHUP"));
        assertSame(staged, keys.ring());

        assertEquals(1, reloader.reloads());
        assertEquals(2, reloader.failed());
        final StringBuilder json = new StringBuilder();
        reloader.appendJson(json);
        assertEquals(",\"key_reloads\":1,\"key_reload_failures\":2", json.toString());
        final String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("SIGHUP: master keys reloaded from " + file + ": 2 masters"), log);
        assertTrue(log.contains("SIGHUP: keeping the master keys in force: --master-key-file " + file +
            " is readable by group or others"), log);
        assertTrue(log.contains("line 1: not an even number of hex digits"), log);
    }

    /**
     * Also started under {@code nohup}, which leaves SIGHUP ignored in the JVM: the server resets it so that the
     * reload still happens (HotSpot would otherwise register the handler and never call it).
     */
    @ParameterizedTest(name = "under nohup {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldReloadOnSighupAndKeepVerifying(final boolean underNohup) throws Exception
    {
        final String openssl = requireBinary("openssl");
        final Path file = write("fleet.key", MasterKeyFileTest.A);
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Path errFile = tempDir.resolve("serve.err");
        final Path outFile = tempDir.resolve("serve.out");
        final List<String> command = new ArrayList<>();
        if (underNohup)
        {
            command.add(requireBinary("nohup"));
        }
        command.addAll(List.of(java,
            "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xmx128m", "-cp", System.getProperty("java.class.path"), TurnstileMain.class.getName(),
            "serve", "--bind", "127.0.0.1:0", "--workers", "1", "--master-key-file", file.toString(),
            "--stats", "-"));
        final Process server = new ProcessBuilder(command)
            .redirectError(errFile.toFile())
            .redirectOutput(outFile.toFile())
            .start();
        try
        {
            awaitCondition(() -> port(errFile) > 0 || !server.isAlive(), "the listening line");
            assertTrue(port(errFile) > 0, "no listening line: " + text(errFile));

            write("fleet.key", "previous " + MasterKeyFileTest.A + "\ncurrent " + MasterKeyFileTest.B + "\n");
            hangUp(server);
            awaitCondition(() -> text(errFile).contains("master keys reloaded") || !server.isAlive(), "a reload");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
            hangUp(server);
            awaitCondition(() -> text(errFile).contains("keeping the master keys in force") || !server.isAlive(),
                "a refused reload");
            assertTrue(server.isAlive(), "SIGHUP ended the server: " + text(errFile));

            final Process client = new ProcessBuilder(openssl, "s_client", "-dtls1_2", "-connect",
                "127.0.0.1:" + port(errFile))
                .redirectErrorStream(true)
                .redirectOutput(tempDir.resolve("openssl.log").toFile())
                .start();
            try
            {
                awaitCondition(() -> lastLong(outFile, "verified") >= 1 && lastLong(outFile, "key_reloads") == 1 &&
                    lastLong(outFile, "key_reload_failures") == 1, "a stats line with verified >= 1 and the reloads");
            }
            finally
            {
                stop(client);
            }
        }
        finally
        {
            stop(server);
        }
        assertEquals(0, server.exitValue(), "a clean stop on SIGTERM: " + text(errFile));
        final String err = text(errFile);
        assertTrue(err.contains("clock tolerance 2000 ms (SIGHUP re-reads the file)"), err);
        assertTrue(err.contains("SIGHUP: master keys reloaded from " + file + ": 2 masters"), err);
        assertTrue(err.contains("is readable by group or others"), err);
        // The server inherits an ignored SIGHUP from this JVM too (a test run started under nohup).
        assertEquals(underNohup || SignalDispositions.ignored(SIGHUP),
            err.contains("SIGHUP was ignored when this process started (nohup?)"), err);
    }

    private Path write(final String name, final String content) throws IOException
    {
        final Path file = tempDir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void hangUp(final Process process) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -HUP " + process.pid());
    }

    private static int port(final Path errFile)
    {
        final Matcher matcher = LISTENING.matcher(text(errFile));
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private static long lastLong(final Path statsFile, final String field)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : text(statsFile).split("\n"))
        {
            if (line.startsWith("{") && line.endsWith("}"))
            {
                lines.add(line);
            }
        }
        if (lines.isEmpty())
        {
            return -1;
        }
        final Matcher matcher = Pattern.compile("\"" + field + "\":(\\d+)").matcher(lines.getLast());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static String text(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private void awaitCondition(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for " + what + "; the server's stderr: " + text(tempDir.resolve("serve.err")));
            }
            Thread.sleep(20);
        }
    }

    private static void stop(final Process process) throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String requireBinary(final String name)
    {
        for (final String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path candidate = Path.of(directory, name);
            if (!directory.isEmpty() && Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(name + " is not on the PATH: apt-get install -y openssl (scripts/test does)");
    }
}
