package io.turnstile.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tiny C DTLS clients under {@code src/test/c}, compiled with gcc into {@code target/interop-clients} the first
 * time a test asks for one, against the Debian development packages of real DTLS libraries. A missing compiler or
 * header fails the test with the package to install ({@code scripts/test} installs them): these clients are the point
 * of the tests that use them, so they never skip.
 */
final class NativeTestClients
{
    /** wolfSSL 5.5.4 (libwolfssl-dev): {@code HOST PORT MESSAGE [CIPHER_LIST]}. */
    static final String WOLFSSL = "wolfssl_dtls12_client";
    /** mbedTLS 2.28 (libmbedtls-dev): {@code HOST PORT MESSAGE cert|psk:ID:HEX SUITE...}. */
    static final String MBEDTLS = "mbedtls_dtls12_client";

    private static final Path SOURCES = Path.of("src", "test", "c");
    private static final Path OUTPUT = Path.of("target", "interop-clients");
    private static final long RUN_WAIT_MS = 30_000;
    private static final Map<String, Path> COMPILED = new HashMap<>();

    /** What a client run left behind. */
    record Run(int exitCode, String stdout, String stderr)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private NativeTestClients()
    {
    }

    /**
     * The client's executable, compiled if it is not yet.
     *
     * @param name {@link #WOLFSSL} or {@link #MBEDTLS}.
     * @return its path.
     */
    static synchronized Path executable(final String name) throws IOException, InterruptedException
    {
        final Path cached = COMPILED.get(name);
        if (null != cached)
        {
            return cached;
        }
        final List<String> command = new ArrayList<>(List.of("gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
            "-O1", "-Wall", "-Wextra", "-Werror", "-o"));
        final Path output = OUTPUT.resolve(name);
        command.add(output.toString());
        command.add(SOURCES.resolve(name + ".c").toString());
        final String packages;
        switch (name)
        {
            case WOLFSSL ->
            {
                command.add("-lwolfssl");
                packages = "gcc libwolfssl-dev";
            }
            case MBEDTLS ->
            {
                command.addAll(List.of("-lmbedtls", "-lmbedx509", "-lmbedcrypto"));
                packages = "gcc libmbedtls-dev";
            }
            default -> throw new IllegalArgumentException("no C client " + name);
        }
        Files.createDirectories(OUTPUT);
        final Path log = OUTPUT.resolve(name + ".gcc.log");
        final Process gcc;
        try
        {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }
        catch (final IOException ex)
        {
            return fail("cannot run gcc (" + ex.getMessage() + "): apt-get install -y " + packages +
                " (scripts/test does)");
        }
        if (!gcc.waitFor(120, TimeUnit.SECONDS))
        {
            gcc.destroyForcibly();
            return fail("gcc did not finish compiling " + name);
        }
        if (gcc.exitValue() != 0)
        {
            return fail("gcc could not build " + name + ": " + Files.readString(log, StandardCharsets.UTF_8) +
                "\nThe headers come from: apt-get install -y " + packages + " (scripts/test installs them)");
        }
        COMPILED.put(name, output);
        return output;
    }

    /**
     * Run a client to its end (bounded: killed after 30 s), stdin closed.
     *
     * @param name client.
     * @param dir  where its output files go.
     * @param args its arguments.
     * @return exit code and output.
     */
    static Run run(final String name, final Path dir, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(executable(name).toAbsolutePath().toString());
        command.addAll(List.of(args));
        final Path stdout = Files.createTempFile(dir, name, ".out");
        final Path stderr = Files.createTempFile(dir, name, ".err");
        final Process process = new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
        int exitCode = -1;
        try
        {
            if (process.waitFor(RUN_WAIT_MS, TimeUnit.MILLISECONDS))
            {
                exitCode = process.exitValue();
            }
        }
        finally
        {
            if (process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        return new Run(exitCode, Files.readString(stdout, StandardCharsets.UTF_8).strip(),
            Files.readString(stderr, StandardCharsets.UTF_8).strip());
    }
}
