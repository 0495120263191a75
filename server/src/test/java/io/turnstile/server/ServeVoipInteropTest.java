package io.turnstile.server;

import io.turnstile.server.dtls.CertificateFingerprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code turnstile serve --echo} for VoIP with real clients through the verifier: DTLS-SRTP with
 * {@code openssl s_client -use_srtp} and {@code gnutls-cli --srtp-profiles} (the profile selected, and the keying
 * material the client exports with {@code EXTRACTOR-dtls_srtp} equal to what the server exported, printed by
 * {@code --srtp-debug-keys}), a client offering no profile with and without {@code --srtp-required}, and client
 * certificates pinned by {@code --client-cert-fingerprint} (openssl {@code -cert/-key}).
 */
class ServeVoipInteropTest
{
    private static final Pattern SERVER_KEYS = Pattern.compile("keying material EXTRACTOR-dtls_srtp ([0-9A-F]+)");

    @TempDir
    Path tempDir;

    /** What one client run left behind. */
    private record Run(boolean echoed, String client, String serve, String stats)
    {
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldSelectTheProfileForOpenSslAndExportTheSameKeys() throws Exception
    {
        final String openssl = requireBinary("openssl");
        final List<String> serve = List.of("--echo", "--srtp", "SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_HMAC_SHA1_80",
            "--srtp-debug-keys");

        final Run cm = run(serve, (port) -> List.of(openssl, "s_client", "-dtls1_2", "-use_srtp",
            "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
            "-connect", "127.0.0.1:" + port), "srtp over openssl");
        assertTrue(cm.echoed(), cm::toString);
        assertTrue(cm.client().contains("SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80"), cm.client());
        assertTrue(cm.serve().contains("SRTP SRTP_AES128_CM_HMAC_SHA1_80, MKI none"), cm.serve());
        assertSameKeys(cm, 60);
        assertTrue(cm.stats().contains("\"SRTP_AES128_CM_HMAC_SHA1_80\":1"), cm.stats());

        // Both offered: the server's first choice wins over the client's order.
        final Run gcm = run(serve, (port) -> List.of(openssl, "s_client", "-dtls1_2", "-use_srtp",
            "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", "-keymatexport", "EXTRACTOR-dtls_srtp",
            "-keymatexportlen", "56", "-connect", "127.0.0.1:" + port), "gcm over openssl");
        assertTrue(gcm.echoed(), gcm::toString);
        assertTrue(gcm.client().contains("SRTP Extension negotiated, profile=SRTP_AEAD_AES_128_GCM"), gcm.client());
        assertSameKeys(gcm, 56);
        assertTrue(gcm.stats().contains("\"SRTP_AEAD_AES_128_GCM\":1"), gcm.stats());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldSelectTheProfileForGnuTlsAndExportTheSameKeys() throws Exception
    {
        final String gnutls = requireBinary("gnutls-cli");
        // GnuTLS 3.7 knows the AES-CM and NULL profiles only; it offers _32 first, the server prefers _80.
        final Run run = run(List.of("--echo", "--srtp", "SRTP_AES128_CM_SHA1_80,SRTP_AES128_CM_SHA1_32",
            "--srtp-debug-keys"), (port) -> List.of(gnutls, "--udp", "--insecure",
            "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_32:SRTP_AES128_CM_HMAC_SHA1_80",
            "--keymatexport=EXTRACTOR-dtls_srtp", "--keymatexportsize=60", "-p", Integer.toString(port),
            "127.0.0.1"), "srtp over gnutls");
        assertTrue(run.echoed(), run::toString);
        assertTrue(run.client().contains("- SRTP profile: SRTP_AES128_CM_HMAC_SHA1_80"), run.client());
        final Matcher client = Pattern.compile("- Key material: ([0-9a-f]+)").matcher(run.client());
        assertTrue(client.find(), run.client());
        assertEquals(serverKeys(run), client.group(1).toUpperCase(Locale.ROOT));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldGiveAClientWithoutUseSrtpAPlainSessionUnlessSrtpIsRequired() throws Exception
    {
        final String openssl = requireBinary("openssl");
        final IntFunction<List<String>> plainClient =
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + port);

        final Run optional = run(List.of("--echo", "--srtp", "SRTP_AES128_CM_HMAC_SHA1_80"), plainClient, "plain");
        assertTrue(optional.echoed(), optional::toString);
        assertFalse(optional.client().contains("SRTP Extension negotiated"), optional.client());
        assertTrue(optional.serve().contains("SRTP none"), optional.serve());
        assertTrue(optional.stats().contains("\"none\":1}"), optional.stats());
        assertFalse(optional.serve().contains("keying material"), "keys only with --srtp-debug-keys");

        final Run required = run(List.of("--echo", "--srtp", "SRTP_AES128_CM_HMAC_SHA1_80", "--srtp-required"),
            plainClient, "refused");
        assertFalse(required.echoed(), required::toString);
        assertTrue(required.serve().contains("handshake_failure sent: TlsFatalAlert: handshake_failure(40); " +
            "DTLS-SRTP is required and the client sent no use_srtp extension"), required.serve());
        assertTrue(required.stats().contains("\"failures\":{\"handshake_failure\":1,"), required.stats());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldAcceptOnlyTheOpenSslClientCertificateWithThePinnedFingerprint() throws Exception
    {
        final String openssl = requireBinary("openssl");
        final Path cert = tempDir.resolve("client.pem");
        final Path key = tempDir.resolve("client.key");
        final Process req = new ProcessBuilder(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-subj",
            "/CN=webrtc-client", "-days", "1").redirectErrorStream(true).start();
        req.getInputStream().readAllBytes();
        assertTrue(req.waitFor(20, TimeUnit.SECONDS) && req.exitValue() == 0, "openssl req made a key pair");
        final byte[] der;
        try (InputStream in = Files.newInputStream(cert))
        {
            der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
        }
        final String pinned = CertificateFingerprint.of(der).toString();
        final IntFunction<List<String>> client = (port) -> List.of(openssl, "s_client", "-dtls1_2", "-cert",
            cert.toString(), "-key", key.toString(), "-connect", "127.0.0.1:" + port);

        final Run match = run(List.of("--echo", "--client-cert-fingerprint", pinned), client, "pinned");
        assertTrue(match.echoed(), match::toString);
        assertTrue(match.serve().contains("client certificate accepted"), match.serve());

        // The same digits without colons, in lower case, pinning another certificate: bad_certificate, counted.
        final String other = "00" + pinned.replace(":", "").toLowerCase(Locale.ROOT).substring(2);
        final Run mismatch = run(List.of("--echo", "--client-cert-fingerprint", other), client, "stranger");
        assertFalse(mismatch.echoed(), mismatch::toString);
        assertTrue(mismatch.serve().contains("bad_certificate sent: TlsFatalAlert: bad_certificate(42); the client " +
            "certificate (SHA-256 " + pinned + ") was refused"), mismatch.serve());
        assertTrue(mismatch.stats().contains("\"failures\":{\"bad_certificate\":1,"), mismatch.stats());
    }

    @Test
    void shouldRefuseUnusableVoipOptionsNamingThem()
    {
        assertUsage("--srtp: unknown SRTP protection profile \"SRTP_FOO\"", "--echo", "--srtp", "SRTP_FOO");
        assertUsage("need --srtp PROFILES", "--echo", "--srtp-required");
        assertUsage("apply to --echo only", "--srtp", "SRTP_AES128_CM_SHA1_80");
        assertUsage("--client-cert-fingerprint: a SHA-256 fingerprint is 64 hex digits", "--echo",
            "--client-cert-fingerprint", "abcd");
        assertUsage("--client-cert-fingerprint needs certificate credentials", "--echo", "--psk-identity", "a",
            "--psk-hex", "00112233445566778899aabbccddeeff", "--client-cert-fingerprint", "00".repeat(32));
        assertEquals("SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_HMAC_SHA1_80 (required)", ServeOptions.parse("--bind",
            "127.0.0.1:0", "--echo", "--srtp", "srtp_aead_aes_128_gcm,SRTP_AES128_CM_SHA1_80", "--srtp-required")
            .echo().srtp().toString());
    }

    private static void assertUsage(final String message, final String... options)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1:0"));
        args.addAll(List.of(options));
        final int code = new ServeCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true))
            .run(args.toArray(new String[0]), false);
        assertEquals(2, code, err::toString);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(message), err::toString);
    }

    private static void assertSameKeys(final Run run, final int length)
    {
        final Matcher client = Pattern.compile("Keying material: ([0-9A-F]+)").matcher(run.client());
        assertTrue(client.find(), run.client());
        assertEquals(2 * length, client.group(1).length());
        assertEquals(serverKeys(run), client.group(1), "client and server exported the same SRTP keys");
    }

    private static String serverKeys(final Run run)
    {
        final Matcher server = SERVER_KEYS.matcher(run.serve());
        assertTrue(server.find(), run.serve());
        return server.group(1);
    }

    /**
     * Serve with the options, run the client, send it a line and read its output until the echo comes back or it
     * exits; then stop the server and read its last statistics line.
     */
    private Run run(final List<String> options, final IntFunction<List<String>> client, final String line)
        throws Exception
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(
            new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        final Path stats = Files.createTempFile(tempDir, "stats", ".jsonl");
        final List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1:0", "--workers", "1", "--stats",
            stats.toString(), "--duration", "50"));
        args.addAll(options);
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread serving = new Thread(() -> exit.set(command.run(args.toArray(new String[0]), false)), "serve");
        serving.start();
        Process process = null;
        final StringBuilder output = new StringBuilder();
        boolean echoed = false;
        try
        {
            final int port = command.awaitListening(20_000);
            assertTrue(port > 0, () -> "serve did not start: " + err);
            process = new ProcessBuilder(client.apply(port)).redirectErrorStream(true).start();
            final OutputStream stdin = process.getOutputStream();
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            final BufferedReader stdout = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String read;
            while (!echoed && (read = stdout.readLine()) != null)
            {
                output.append(read).append('\n');
                // The client prints the line it sent only when the server echoed it.
                echoed = read.equals(line);
            }
        }
        finally
        {
            if (null != process)
            {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            command.stop("test done");
            serving.join(10_000);
        }
        assertEquals(0, exit.get(), err::toString);
        final List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        return new Run(echoed, output.toString(), err.toString(StandardCharsets.UTF_8),
            lines.isEmpty() ? "" : lines.get(lines.size() - 1));
    }

    private static String requireBinary(final String name)
    {
        for (final String directory : System.getenv("PATH").split(File.pathSeparator))
        {
            final Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(name + " is not on the PATH: scripts/test installs it");
    }
}
