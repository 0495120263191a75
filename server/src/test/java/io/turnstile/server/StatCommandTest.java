package io.turnstile.server;

import io.turnstile.nativeio.CountersFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class StatCommandTest
{
    private static final byte[] TOO_SHORT = { 22, (byte)0xFE, (byte)0xFD, 0, 0 };

    @TempDir
    Path parent;

    @Test
    @Timeout(120)
    void shouldReadEveryCounterOfAServeRunningInAnotherJvm() throws Exception
    {
        final Path dir = parent.resolve("turnstile-child");
        final Path stdout = parent.resolve("serve.out");
        final Path stderr = parent.resolve("serve.err");
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xmx128m", "-cp", System.getProperty("java.class.path"), TurnstileMain.class.getName(),
            "serve", "--bind", "127.0.0.1:0", "--workers", "1", "--counters-dir", dir.toString(),
            "--duration", "100"));
        final Process serve = new ProcessBuilder(command)
            .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try
        {
            final int port = awaitListening(serve, stderr);
            try (DatagramChannel client = DatagramChannel.open())
            {
                for (int i = 0; i < 3; i++)
                {
                    client.send(ByteBuffer.wrap(TOO_SHORT), new InetSocketAddress("127.0.0.1", port));
                }
            }

            String json = "";
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (counter(json, "datagrams received: worker=0") != 3)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    fail("the datagrams never showed: " + json);
                }
                final Run run = stat("--dir", dir.toString(), "--json", "--count", "1", "--interval", "0.1");
                assertEquals(0, run.exitCode, run.err);
                json = run.out.strip();
            }
            assertTrue(json.startsWith("{\"t\":"), json);
            assertEquals(1, json.lines().count(), "--count 1: one sample");
            assertTrue(json.contains("\"pid\":" + serve.pid()), json);
            assertTrue(json.contains("{\"id\":0,\"type_id\":4000,\"kind\":\"errors\",\"worker\":-1," +
                "\"label\":\"worker errors\",\"value\":0,\"rate\":0}"), json);
            assertTrue(json.contains("\"type_id\":4200,\"kind\":\"drop_reason\",\"worker\":0," +
                "\"label\":\"dropped record_too_short: worker=0\",\"value\":3,"), json);
            assertEquals(3, counter(json, "verifier dropped: worker=0"));
            assertEquals(0, counter(json, "cookie valid: worker=0"));

            final Run table = stat("--count", "1", "--interval", "0.05");
            assertEquals(0, table.exitCode, "the only running server is found without --dir: " + table.err);
            assertTrue(table.out.contains("turnstile pid " + serve.pid() + ", " + dir), table.out);
            assertTrue(Pattern.compile("\\s4001\\s+3\\s+0\\s+datagrams received: worker=0").matcher(table.out).find(),
                table.out);

            final Run list = stat("--list");
            assertEquals(0, list.exitCode);
            assertTrue(list.out.startsWith("pid " + serve.pid() + "  started "), list.out);
            assertTrue(list.out.strip().endsWith(dir.toString()), list.out);

            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops serve");
            assertEquals(0, serve.exitValue(), Files.readString(stderr));
            assertFalse(Files.exists(dir), "a clean exit deletes the counters directory");
            final String serveErr = Files.readString(stderr);
            assertTrue(serveErr.contains("turnstile: counters in " + dir), serveErr);
            assertTrue(serveErr.contains("drops: record_too_short=3"), serveErr);
            assertEquals(1, stat("--dir", dir.toString(), "--count", "1").exitCode, "nothing left to read");
        }
        finally
        {
            serve.destroyForcibly();
            serve.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldSayWhenNoServerRuns()
    {
        final Run run = stat("--count", "1");
        assertEquals(1, run.exitCode);
        assertTrue(run.err.contains("no running server under " + parent), run.err);
        assertEquals("", stat("--list").out);
    }

    @Test
    void shouldListSeveralServersAndAskWhichOne()
    {
        try (CountersFile first = CountersFile.create(parent.resolve("turnstile-1"), 4);
            CountersFile second = CountersFile.create(parent.resolve("turnstile-2"), 4))
        {
            final Run run = stat("--count", "1");
            assertEquals(UsageException.EXIT_CODE, run.exitCode);
            assertTrue(run.out.contains(first.directory().toString()), run.out);
            assertTrue(run.out.contains(second.directory().toString()), run.out);
            assertTrue(run.err.contains("2 servers run: choose one with --dir"), run.err);
        }
    }

    @Test
    void shouldRefuseBadOptions()
    {
        assertBadUsage("--count must be 0 (no limit) or more", "--count", "-1");
        assertBadUsage("--interval must be 0.01 to 3600 seconds", "--interval", "soon");
        assertBadUsage("--dir needs a value", "--dir");
        assertBadUsage("unknown option '--bogus'", "--bogus");
        final Run help = stat("--help");
        assertEquals(0, help.exitCode);
        assertTrue(help.out.startsWith("usage: turnstile stat"), help.out);
    }

    private void assertBadUsage(final String message, final String... args)
    {
        final Run run = stat(args);
        assertEquals(UsageException.EXIT_CODE, run.exitCode, run.err);
        assertTrue(run.err.contains(message), run.err);
    }

    private static long counter(final String json, final String label)
    {
        final Matcher matcher = Pattern.compile("\"label\":\"" + Pattern.quote(label) + "\",\"value\":(\\d+)")
            .matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static int awaitListening(final Process serve, final Path stderr) throws Exception
    {
        final Pattern listening = Pattern.compile("turnstile: listening on 127\\.0\\.0\\.1:(\\d+)");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadlineNs < 0)
        {
            final Matcher matcher = listening.matcher(read(stderr));
            if (matcher.find())
            {
                return Integer.parseInt(matcher.group(1));
            }
            if (!serve.isAlive())
            {
                fail("serve exited " + serve.exitValue() + ": " + read(stderr));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("serve never listened: " + read(stderr));
    }

    private static String read(final Path file) throws IOException
    {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private Run stat(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode = new StatCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), parent).run(args);
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exitCode, String out, String err)
    {
    }
}
