package io.turnstile.server;

import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.CountersFile;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.nativeio.xdp.XdpBatchSocket;
import io.turnstile.nativeio.xdp.XdpFilter;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code turnstile serve}'s command line: every option parsed, every bad one refused with a message and exit code 2,
 * {@code --help} naming every option, and short real runs on loopback that stop by duration and on request with a
 * JSON line per second and a summary.
 */
class ServeCommandTest
{
    /** Every option the contract and the help promise. */
    private static final List<String> OPTIONS = List.of(
        "--bind", "--workers", "--batch", "--mac", "--secret-file", "--master-key-file", "--clock-tolerance",
        "--rotate", "--duration",
        "--stats", "--cpus", "--bpf-filter", "--rcvbuf", "--nio", "--idle", "--xdp", "--xdp-hello-rate",
        "--xdp-hello-burst", "--xdp-rx-ring", "--xdp-busy-poll", "--max-cookie-age", "--max-hello-length",
        "--log-verified", "--counters-dir", "--help",
        "--echo", "--cert", "--key", "--psk-identity", "--psk-hex", "--max-handshakes", "--max-sessions",
        "--max-sessions-per-address", "--handshake-timeout", "--idle-timeout", "--require-secure-renegotiation",
        "--srtp", "--srtp-required", "--srtp-echo-mki", "--srtp-debug-keys", "--client-cert-fingerprint");
    private static final Path SECRET = Path.of("target", "serve-command-test", "secret.hex");

    @TempDir
    Path tempDir;

    @Test
    @Timeout(10)
    void shouldParseEveryOption() throws IOException
    {
        final Path master = tempDir.resolve("master.bin");
        Files.write(master, new byte[24]);
        Files.setPosixFilePermissions(master, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        final ServeOptions options = ServeOptions.parse(
            "--bind", "[::1]:4433", "--workers", "2", "--batch=8", "--mac", "hmac-sha1",
            "--master-key-file", master.toString(), "--rotate", "30", "--duration", "2.5", "--stats", "out.json",
            "--cpus", "0-1", "--nio", "--max-cookie-age", "120", "--max-hello-length", "4096", "--log-verified", "0");

        assertEquals(InetAddress.getByName("::1"), options.host());
        assertEquals(4433, options.port());
        assertEquals(2, options.workers());
        assertEquals(8, options.batch());
        assertEquals(MacAlgorithm.HMAC_SHA1, ServeAssembly.cookieKeys(options).algorithm());
        assertEquals(30, options.rotateSeconds());
        assertEquals(4096, options.maxHelloLength());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(2500), options.durationNs());
        assertEquals("out.json", options.stats());
        assertArrayEquals(new int[]{0, 1}, options.cpus());
        assertTrue(options.nio());
        assertFalse(options.bpfFilter());
        assertEquals(120, options.maxCookieAgeSeconds());
        assertEquals(0, options.logVerified());
    }

    @Test
    @Timeout(10)
    void shouldDefaultToRandomKeysTheDefaultMacAndStdout()
    {
        final ServeOptions options = ServeOptions.parse("--bind", "127.0.0.1:0");

        assertEquals(0, options.port());
        assertEquals(0, options.workers(), "0: one worker per CPU, decided by the server");
        assertEquals(64, ServeAssembly.serverContext(options, ServeAssembly.cookieKeys(options), System.err)
            .batchSize(), "the server's default batch");
        assertEquals(MacAlgorithm.defaultAlgorithm(), ServeAssembly.cookieKeys(options).algorithm());
        assertEquals("-", options.stats());
        assertEquals(0, options.durationNs(), "until stopped");
        assertNull(options.cpus());
        assertEquals(5, options.logVerified());
    }

    @Test
    @Timeout(10)
    void shouldReadKeyFilesAsHexTextOrRawBytes() throws IOException
    {
        final byte[] raw = new byte[20];
        for (int i = 0; i < raw.length; i++)
        {
            raw[i] = (byte)(0x80 + i);
        }
        final Path hexFile = tempDir.resolve("secret.hex");
        Files.writeString(hexFile, "  " + HexFormat.of().formatHex(raw) + "\n", StandardCharsets.US_ASCII);
        final Path rawFile = tempDir.resolve("secret.bin");
        Files.write(rawFile, raw);
        final Path oddHex = tempDir.resolve("odd.txt");
        Files.writeString(oddHex, "abcdefabcdefabcdefabcdefabcdefabc", StandardCharsets.US_ASCII);

        assertArrayEquals(raw, ServeAssembly.readKey("--secret-file", hexFile));
        assertArrayEquals(raw, ServeAssembly.readKey("--secret-file", rawFile));
        assertArrayEquals(Files.readAllBytes(oddHex), ServeAssembly.readKey("--secret-file", oddHex),
            "an odd number of hex digits is not hex: the bytes are the secret");
        assertEquals(MacAlgorithm.HMAC_SHA256, ServeAssembly.cookieKeys(ServeOptions.parse(
            "--bind", "127.0.0.1:0", "--mac", "hmac-sha256", "--secret-file", hexFile.toString())).algorithm());
    }

    @Test
    @Timeout(10)
    void shouldRefuseAShortSecretWithTheVerifiersMessage() throws IOException
    {
        final Path shortSecret = tempDir.resolve("short.hex");
        Files.writeString(shortSecret, "0011223344556677", StandardCharsets.US_ASCII);

        final UsageException ex = assertThrows(UsageException.class, () -> ServeAssembly.cookieKeys(
            ServeOptions.parse("--bind", "127.0.0.1:0", "--secret-file", shortSecret.toString())));
        assertTrue(ex.getMessage().contains("cookie secret is 8 bytes; at least 16 are needed"), ex.getMessage());
        assertTrue(ex.getMessage().contains("--secret-file"), ex.getMessage());

        Files.setPosixFilePermissions(shortSecret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final UsageException fleet = assertThrows(UsageException.class, () -> ServeAssembly.cookieKeys(
            ServeOptions.parse("--bind", "127.0.0.1:0", "--master-key-file", shortSecret.toString())));
        assertTrue(fleet.getMessage().contains("at least 16 bytes, got 8"), fleet.getMessage());
    }

    static Stream<Arguments> badCommandLines() throws IOException
    {
        Files.createDirectories(SECRET.getParent());
        Files.writeString(SECRET, "00112233445566778899aabbccddeeff", StandardCharsets.US_ASCII);
        final String secret = SECRET.toString();
        return Stream.of(
            Arguments.of(List.of(), "--bind HOST:PORT is required"),
            Arguments.of(List.of("--bind", "127.0.0.1"), "HOST:PORT"),
            Arguments.of(List.of("--bind", "::1:4433"), "HOST:PORT"),
            Arguments.of(List.of("--bind", "127.0.0.1:70000"), "0 to 65535"),
            Arguments.of(List.of("--bind", "127.0.0.1:port"), "whole number"),
            Arguments.of(List.of("--bind"), "Missing required parameter for option '--bind' (HOST:PORT)"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--workers", "0"), "--workers must be 1 to 1024"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--workers", "two"),
                "Invalid value for option '--workers': 'two' is not an int"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--workers", "2", "--workers", "3"),
                "option '--workers' (N) should be specified only once"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--batch", "5000"), "--batch must be 1 to 1024"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--batch", "0"), "--batch must be 1 to 1024, got 0"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--mac", "md5"), "unknown MAC 'md5'"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--rotate", "0"), "--rotate must be 1 to"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--clock-tolerance", "61"), "--clock-tolerance must be 0"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--rotate", "2", "--clock-tolerance", "1.5"),
                "at most half of --rotate"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--duration", "-1"), "--duration must be more than 0"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--duration", "soon"), "--duration must be seconds"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--duration"),
                "Missing required parameter for option '--duration' (SECONDS)"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--max-cookie-age", "0"), "--max-cookie-age must be"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--max-hello-length", "100"), "--max-hello-length must be"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--log-verified", "-2"), "--log-verified must be"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--bogus"), "Unknown option: '--bogus'"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "stray"), "Unmatched argument at index 2: 'stray'"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--nio=yes"), "Invalid value for option '--nio': 'yes' is not a boolean"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--idle", "sleep"), "--idle must be poll, backoff or spin"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--xdp-hello-rate", "1000"), "need --xdp"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--xdp", "lo", "--xdp-hello-burst", "8"),
                "--xdp-hello-burst needs --xdp-hello-rate"),
            Arguments.of(List.of("--bind", "127.0.0.1:4433", "--xdp", "lo", "--xdp-hello-rate", "-5"),
                "--xdp-hello-rate must be 0 to"),
            Arguments.of(List.of("--bind", "127.0.0.1:4433", "--xdp", "lo", "--xdp-hello-rate", "10",
                "--xdp-hello-burst", "0"), "--xdp-hello-burst must be 1 to"),
            Arguments.of(List.of("--bind", "127.0.0.1:4433", "--xdp", "lo", "--xdp-rx-ring", "100"),
                "--xdp-rx-ring must be a power of 2 from 64 to ringSize 2048, got 100"),
            Arguments.of(List.of("--bind", "127.0.0.1:4433", "--xdp-rx-ring", "512"), "need --xdp"),
            Arguments.of(List.of("--bind", "127.0.0.1:4433", "--xdp-busy-poll"), "need --xdp"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--cpus", "1,x"), "--cpus must be a whole number"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--cpus", "3-1"), "runs backwards"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--cpus", "5000"), "--cpus must be 0 to 1023"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--cpus", "0,1", "--workers", "3"), "one CPU per worker"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--secret-file", secret, "--master-key-file", secret),
                "exclusive"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--secret-file", secret, "--rotate", "10"),
                "does not rotate"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--secret-file", "target/no-such-secret"), "cannot read"),
            Arguments.of(List.of("--bind", "127.0.0.1:0", "--duration", "1", "--stats", "target/no/such/dir/s.json"),
                "--stats: cannot write"),
            Arguments.of(List.of("--bind", "192.0.2.1:4433", "--duration", "1"), "cannot listen on 192.0.2.1:4433"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommandLines")
    @Timeout(20)
    void shouldRefuseABadCommandLineWithExitCode2(final List<String> args, final String message)
    {
        final Run run = run(Stream.concat(Stream.of("serve"), args.stream()).toArray(String[]::new));

        assertEquals(2, run.exitCode, run.err);
        assertTrue(run.err.contains(message), "expected '" + message + "' in: " + run.err);
        assertTrue(run.err.contains("turnstile serve --help"), run.err);
        assertFalse(run.err.contains("listening on"), run.err);
    }

    @Test
    @Timeout(10)
    void shouldRefuseAnUnknownCommandWithExitCode2()
    {
        final Run none = run();
        assertEquals(2, none.exitCode);
        assertTrue(none.err.contains("usage: turnstile COMMAND"), none.err);

        final Run unknown = run("frobnicate");
        assertEquals(2, unknown.exitCode);
        assertTrue(unknown.err.contains("unknown command 'frobnicate'"), unknown.err);

        final Run help = run("help");
        assertEquals(0, help.exitCode);
        assertTrue(help.out.contains("serve --bind HOST:PORT"), help.out);
        assertTrue(help.out.contains("stat [--dir DIR]"), help.out);
    }

    @Test
    @Timeout(10)
    void shouldDocumentEveryOptionInTheHelp()
    {
        final Run run = run("serve", "--help");

        assertEquals(0, run.exitCode, run.err);
        for (final String option : OPTIONS)
        {
            assertTrue(Pattern.compile("(?m)^\\s+(-\\w, )?" + Pattern.quote(option) + "\\b").matcher(run.out).find(),
                "the help documents " + option + ":\n" + run.out);
        }
        for (final String option : ServeOptions.optionNames())
        {
            assertTrue(OPTIONS.contains(option), "an option the test does not know: " + option);
        }
        for (final String label : List.of("aes-cmac", "hmac-sha256", "hmac-sha1"))
        {
            assertTrue(run.out.contains(label), "the help names the MAC " + label);
        }
        assertTrue(run.out.contains("Exit code 2"), run.out);
    }

    @Test
    void shouldTakeTheBpfFilterAndReceiveBufferOptions()
    {
        final ServeOptions options =
            ServeOptions.parse("--bind", "127.0.0.1:0", "--bpf-filter", "--rcvbuf", "262144");
        assertTrue(options.bpfFilter());
        assertEquals(262_144, options.receiveBufferBytes());
        assertNull(ServeOptions.parse("--bind", "127.0.0.1:0").receiveBufferBytes(), "the server's default");
    }

    @Test
    @Timeout(10)
    void shouldTakeTheXdpDeviceAndItsHelloRateLimit()
    {
        final ServeOptions limited = ServeOptions.parse("--bind", "10.0.0.1:4433", "--xdp", "eth1",
            "--xdp-hello-rate", "250000", "--xdp-hello-burst", "512", "--xdp-rx-ring", "256", "--xdp-busy-poll");
        assertEquals(new ServeOptions.Xdp("eth1", 250_000, 512, 256, true), limited.xdp());
        final VerifierServer.Context context = context("--bind", "10.0.0.1:4433", "--xdp", "eth1",
            "--xdp-rx-ring", "256", "--xdp-busy-poll");
        assertEquals(256, context.xdpSocket().rxRingSize());
        assertTrue(context.xdpSocket().busyPoll());
        assertEquals(XdpBatchSocket.Context.DEFAULT_RING_SIZE, context.xdpSocket().ringSize(), "fill ring stays deep");

        final ServeOptions unlimited = ServeOptions.parse("--bind", "10.0.0.1:4433", "--xdp", "eth1");
        assertEquals(new ServeOptions.Xdp("eth1", 0, XdpFilter.Context.HELLO_BURST_DEFAULT, null, false), unlimited.xdp());
        assertNull(ServeOptions.parse("--bind", "10.0.0.1:4433").xdp());
    }

    @Test
    @Timeout(10)
    void shouldIdleInPollByDefaultAndTakeBackoffOrSpin()
    {
        assertEquals(ServeOptions.WorkerIdle.POLL, ServeOptions.parse("--bind", "127.0.0.1:0").idle());
        assertNull(context("--bind", "127.0.0.1:0").idleStrategy(), "the server's own: a SocketIdleStrategy each");
        assertInstanceOf(BackoffIdleStrategy.class,
            context("--bind", "127.0.0.1:0", "--idle", "backoff").idleStrategy().get());
        assertInstanceOf(BusySpinIdleStrategy.class,
            context("--bind", "127.0.0.1:0", "--idle", "SPIN").idleStrategy().get());
    }

    private static VerifierServer.Context context(final String... args)
    {
        final ServeOptions options = ServeOptions.parse(args);
        return ServeAssembly.serverContext(options, ServeAssembly.cookieKeys(options), System.err);
    }

    @Test
    @Timeout(20)
    void shouldRefuseAReceiveBufferTooSmallForOneDatagram()
    {
        final Run run = run("serve", "--bind", "127.0.0.1:0", "--rcvbuf", "100");
        assertEquals(2, run.exitCode, run.err);
        assertTrue(run.err.contains("--rcvbuf"), run.err);
    }

    @Test
    @Timeout(30)
    void shouldRunForTheDurationWritingStatsLinesAndASummary() throws IOException
    {
        final Path stats = tempDir.resolve("stats.json");

        final Run run = runEmbedded("--bind", "127.0.0.1:0", "--workers", "2", "--batch", "16",
            "--duration", "1.2", "--stats", stats.toString());

        assertEquals(0, run.exitCode, run.err);
        final Matcher listening = Pattern.compile("turnstile: listening on 127\\.0\\.0\\.1:(\\d+)").matcher(run.err);
        assertTrue(listening.find(), run.err);
        assertTrue(Integer.parseInt(listening.group(1)) > 0, "the ephemeral port is printed");
        assertTrue(run.err.contains("turnstile: stopped (duration elapsed) after"), run.err);
        assertTrue(run.err.contains("2 workers"), run.err);

        final List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        assertFalse(lines.isEmpty(), "at least the final line");
        for (final String line : lines)
        {
            assertTrue(line.startsWith("{\"t\":") && line.endsWith("}"), line);
            for (final String field : List.of("rx", "hvr", "verified", "dropped", "rx_pps", "tx_pps", "workers",
                "send_eagain", "send_failed", "errors", "rss_kb", "heap_used_bytes", "heap_committed_bytes",
                "gc_count", "gc_ms", "direct_bytes"))
            {
                assertTrue(line.contains("\"" + field + "\":"), field + " in " + line);
            }
            assertEquals(2, jsonLong(line, "workers"), line);
            assertEquals(0, jsonLong(line, "rx"), "nothing was sent to it: " + line);
            assertTrue(line.contains("\"drop_reasons\":{\"record_too_short\":0,"), line);
        }
    }

    @Test
    @Timeout(30)
    void shouldStopOnRequestNamingTheReason() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final AtomicInteger exitCode = new AtomicInteger(-1);
        final Thread thread = new Thread(() -> exitCode.set(
            command.run(new String[]{"--bind", "127.0.0.1:0", "--workers", "1"}, false)));
        thread.start();

        final int port = command.awaitListening(10_000);
        assertTrue(port > 0, err.toString(StandardCharsets.UTF_8));
        command.stop("SIGTERM");
        thread.join(10_000);

        assertFalse(thread.isAlive());
        assertEquals(0, exitCode.get());
        final String errText = err.toString(StandardCharsets.UTF_8);
        assertTrue(errText.contains("turnstile: listening on 127.0.0.1:" + port), errText);
        assertTrue(errText.contains("turnstile: stopped (SIGTERM) after"), errText);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("{\"t\":"), "the final stats line on stdout");
        assertNull(command.snapshot(new io.turnstile.nativeio.VerifierServer.Snapshot()), "stopped: no counters");
        assertTrue(LibC.isAvailable() == errText.contains("recvmmsg/sendmmsg"), errText);
    }

    @Test
    @Timeout(30)
    void shouldReloadTheMasterKeyFileOnRequestAndKeepTheKeysWhenItIsRefused() throws Exception
    {
        final Path master = tempDir.resolve("fleet.key");
        Files.writeString(master, MasterKeyFileTest.A, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(master, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertFalse(command.reloadKeys(), "not running yet");
        final Thread thread = new Thread(() -> command.run(new String[]{"--bind", "127.0.0.1:0", "--workers", "1",
            "--master-key-file", master.toString(), "--counters-dir", tempDir.resolve("counters").toString()}, false));
        thread.start();
        try
        {
            assertTrue(command.awaitListening(10_000) > 0, err.toString(StandardCharsets.UTF_8));
            Files.writeString(master, "current " + MasterKeyFileTest.B + "\nnext " + MasterKeyFileTest.A + "\n",
                StandardCharsets.US_ASCII);
            assertTrue(command.reloadKeys(), err.toString(StandardCharsets.UTF_8));
            Files.setPosixFilePermissions(master, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            assertFalse(command.reloadKeys(), err.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            command.stop("test over");
            thread.join(10_000);
        }
        final String errText = err.toString(StandardCharsets.UTF_8);
        assertTrue(errText.contains("turnstile: reload: master keys reloaded from " + master + ": 2 masters"), errText);
        assertTrue(errText.contains("turnstile: reload: keeping the master keys in force"), errText);
    }

    @Test
    @Timeout(30)
    void shouldRefuseATooLargeClockToleranceOrAnOpenKeyFile() throws IOException
    {
        assertEquals(2_000, ServeOptions.parse("--bind", "127.0.0.1:0").clockToleranceMs());
        assertEquals(500, ServeOptions.parse("--bind", "127.0.0.1:0", "--rotate", "1").clockToleranceMs());
        assertEquals(1_500, ServeOptions.parse("--bind", "127.0.0.1:0", "--clock-tolerance", "1.5").clockToleranceMs());
        final Path open = tempDir.resolve("open.key");
        Files.writeString(open, MasterKeyFileTest.A, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        final Run run = runEmbedded("--bind", "127.0.0.1:0", "--master-key-file", open.toString());
        assertEquals(UsageException.EXIT_CODE, run.exitCode(), run.err());
        assertTrue(run.err().contains("is readable by group or others (rw-r--r--)"), run.err());
    }

    @Test
    @Timeout(30)
    void shouldKeepTheCountersInTheDefaultDirectoryWhileRunningAndDeleteThemOnStop() throws Exception
    {
        final Path dir = CountersFile.defaultDirectory();
        assertFalse(Files.exists(dir), "no earlier server of this JVM left its directory");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final Thread thread =
            new Thread(() -> command.run(new String[]{"--bind", "127.0.0.1:0", "--workers", "1"}, false));
        thread.start();
        try
        {
            assertTrue(command.awaitListening(10_000) > 0, err.toString(StandardCharsets.UTF_8));
            assertTrue(Files.isRegularFile(dir.resolve(CountersFile.FILE_NAME)), "counters in " + dir);
            try (CountersFile file = CountersFile.mapReadOnly(dir))
            {
                assertEquals(ProcessHandle.current().pid(), file.pid());
            }
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("turnstile: counters in " + dir));
        }
        finally
        {
            command.stop("test over");
            thread.join(10_000);
        }
        assertFalse(Files.exists(dir), "deleted on a clean stop");
    }

    @Test
    @Timeout(30)
    void shouldRefuseACountersDirectoryARunningServerOwns(@TempDir final Path parent)
    {
        final Path dir = parent.resolve("taken");
        try (CountersFile owner = CountersFile.create(dir, 4))
        {
            final Run run = runEmbedded("--bind", "127.0.0.1:0", "--workers", "1", "--counters-dir", dir.toString());
            assertEquals(UsageException.EXIT_CODE, run.exitCode(), run.err());
            assertTrue(run.err().contains("--counters-dir: counters directory " + dir +
                " is in use by running process " + owner.pid()), run.err());
        }
    }

    static long jsonLong(final String line, final String field)
    {
        final Matcher matcher = Pattern.compile("\"" + Pattern.quote(field) + "\":(-?\\d+)").matcher(line);
        assertTrue(matcher.find(), field + " in " + line);
        return Long.parseLong(matcher.group(1));
    }

    private static Run run(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode = TurnstileMain.run(
            args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Run {@code serve} without handling signals: the test JVM must keep its own SIGINT and SIGTERM behaviour.
     */
    private static Run runEmbedded(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode = new ServeCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(args, false);
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exitCode, String out, String err)
    {
    }
}
