package io.turnstile.server;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.nativeio.xdp.XdpBatchSocket;
import io.turnstile.nativeio.xdp.XdpFilter;
import io.turnstile.server.dtls.CertificateFingerprint;
import io.turnstile.server.dtls.SrtpPolicy;
import io.turnstile.server.handshake.SessionTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The command line of {@code turnstile serve}, parsed and checked once: picocli turns the words into typed values
 * ({@link Arguments}), then {@link Arguments#toOptions()} applies the rules between options and the ranges this command
 * owns, and the result is immutable.
 * <p>
 * Ranges the server's components own (workers, batch, receive buffer, hello length, CPU numbers) are not repeated
 * here: {@link ServeAssembly} sets them on a {@link VerifierServer.Context}, whose {@code conclude()} names a bad
 * value, and says which option gave it.
 *
 * @param host                  address to bind.
 * @param port                  port to bind, 0 to 65535; 0 picks a free one.
 * @param bindText              {@code --bind} as given, for messages.
 * @param workers               worker threads; 0 for the server's default (one per CPU listed, else per
 *                              processor).
 * @param batch                 datagrams per batch; null for the server's default.
 * @param mac                   cookie MAC.
 * @param secretFile            fixed cookie secret, or null.
 * @param masterKeyFile         fleet master key, or null.
 * @param rotateSeconds         key rotation period; 0 for the default.
 * @param maxCookieAgeSeconds   oldest cookie that verifies.
 * @param maxHelloLength        longest hello answered; null for the verifier's default.
 * @param durationNs            how long to run; 0 until stopped.
 * @param stats                 file for the statistics, or {@code -} for standard output.
 * @param countersDirectory     directory of the mapped counters file, or null for this process's default.
 * @param cpus                  CPU per worker, or null for no pinning.
 * @param bpfFilter             attach the kernel DTLS pre-filter.
 * @param receiveBufferBytes    SO_RCVBUF per worker socket; null for the server's default.
 * @param nio                   use NIO even where recvmmsg/sendmmsg are available.
 * @param logVerified           verified hellos logged to stderr.
 * @param echo                  the {@code --echo} settings, or null without {@code --echo}.
 * @param clockToleranceMs      largest clock difference between fleet servers tolerated, milliseconds.
 * @param xdp                   the {@code --xdp} settings, or null for kernel sockets only.
 * @param idle                  how an idle worker waits.
 */
record ServeOptions(
    InetAddress host,
    int port,
    String bindText,
    int workers,
    Integer batch,
    MacAlgorithm mac,
    Path secretFile,
    Path masterKeyFile,
    long rotateSeconds,
    long maxCookieAgeSeconds,
    Integer maxHelloLength,
    long durationNs,
    String stats,
    Path countersDirectory,
    int[] cpus,
    boolean bpfFilter,
    Integer receiveBufferBytes,
    boolean nio,
    int logVerified,
    Echo echo,
    long clockToleranceMs,
    Xdp xdp,
    WorkerIdle idle)
{
    /** Most CPUs {@code --cpus} may list, and most {@code --workers}: one worker per CPU. */
    private static final int MAX_CPUS = VerifierServer.Context.MAX_WORKERS;
    /** Default {@code --clock-tolerance}: NTP keeps servers far closer; a cookie round trip is far shorter. */
    static final long DEFAULT_CLOCK_TOLERANCE_MS = 2_000;

    /**
     * Copies the CPU list, so the record stays immutable.
     */
    ServeOptions
    {
        cpus = null == cpus ? null : cpus.clone();
    }

    /**
     * CPUs to pin to.
     *
     * @return one per worker, a copy, or null.
     */
    @Override
    public int[] cpus()
    {
        return null == cpus ? null : cpus.clone();
    }

    /**
     * Parse and check the options after {@code serve}, for callers that want no help text.
     *
     * @param args the options.
     * @return the options.
     * @throws UsageException naming the option and the bad value, picocli's messages included.
     */
    static ServeOptions parse(final String... args)
    {
        final Arguments arguments = new Arguments();
        parse(commandLine(arguments), args);
        return arguments.toOptions();
    }

    /**
     * Let picocli fill a command line's holder; {@link CommandLine#isUsageHelpRequested()} then says whether
     * {@code --help} was given.
     *
     * @param commandLine from {@link #commandLine(Arguments)}.
     * @param args        the options.
     * @throws UsageException with picocli's message: an unknown option, a missing or mistyped value, an option twice.
     */
    static void parse(final CommandLine commandLine, final String... args)
    {
        try
        {
            commandLine.parseArgs(args);
        }
        catch (final CommandLine.ParameterException ex)
        {
            throw new UsageException(ex.getMessage(), ex);
        }
    }

    /**
     * The picocli command line over the given holder: {@code --help} generated from the annotations, the processor
     * count of this machine in the footer, and an option given twice refused (a script's mistake, not an override).
     *
     * @param arguments receives the values.
     * @return the command line.
     */
    static CommandLine commandLine(final Arguments arguments)
    {
        final CommandLine commandLine = new CommandLine(arguments);
        final CommandLine.Model.UsageMessageSpec usage = commandLine.getCommandSpec().usageMessage();
        final List<String> footer = new ArrayList<>(List.of(usage.footer()));
        footer.add(String.format(Locale.ROOT, "Available processors here (the default --workers): %d.",
            Runtime.getRuntime().availableProcessors()));
        usage.footer(footer.toArray(new String[0]));
        return commandLine;
    }

    /**
     * Every option name the command takes, long form: what the help must document.
     *
     * @return the names.
     */
    static List<String> optionNames()
    {
        return commandLine(new Arguments()).getCommandSpec().options().stream()
            .map(CommandLine.Model.OptionSpec::longestName)
            .toList();
    }

    /**
     * How the cookie keys are chosen, for the start-up line.
     *
     * @return e.g. {@code random keys rotating every 3600 s}.
     */
    String keysText()
    {
        if (null != masterKeyFile)
        {
            return "fleet keys from " + masterKeyFile + " rotating every " +
                (rotateSeconds > 0 ? rotateSeconds : CookieKeys.DEFAULT_ROTATION_PERIOD_MS / 1000) +
                " s, clock tolerance " + clockToleranceMs + " ms (SIGHUP re-reads the file)";
        }
        if (null != secretFile)
        {
            return "fixed secret from " + secretFile;
        }
        final long period = rotateSeconds > 0 ? rotateSeconds : CookieKeys.DEFAULT_ROTATION_PERIOD_MS / 1000;
        return (null != masterKeyFile ? "fleet keys from " + masterKeyFile : "random keys") +
            " rotating every " + period + " s";
    }

    /**
     * How an idle worker waits ({@code --idle}).
     */
    enum WorkerIdle
    {
        /** Sleep in poll(2) on the worker's socket after a few empty cycles: the server's default. */
        POLL,
        /** Agrona's backoff: spins, yields, then parks from 1 us up to 1 ms (the default before poll). */
        BACKOFF,
        /** Never sleep: a core per worker for the lowest latency. */
        SPIN
    }

    /**
     * The {@code --xdp} settings.
     *
     * @param device         the network device whose RX queues the workers serve.
     * @param helloRate      cookie-less ClientHellos let through per second per RX queue, 0 for no limit.
     * @param helloBurst     how many of them may come at once.
     * @param rxRing         slots in the AF_XDP RX ring, or null for the socket's default.
     * @param busyPoll       the AF_XDP sockets' preferred busy polling.
     */
    record Xdp(String device, long helloRate, int helloBurst, Integer rxRing, boolean busyPoll)
    {
    }

    /**
     * The {@code --echo} settings.
     *
     * @param certFile                   PEM certificate, or null.
     * @param keyFile                    its PEM private key, or null.
     * @param pskIdentity                pre-shared key identity, or null.
     * @param psk                        the pre-shared key, or null.
     * @param maxHandshakes              concurrent handshakes, server wide.
     * @param maxSessions                sessions in all.
     * @param maxSessionsPerAddress      sessions per IPv4 address or IPv6 /64.
     * @param handshakeTimeoutMs         verification to completed handshake.
     * @param idleTimeoutMs              an established session receiving nothing this long is closed.
     * @param requireSecureRenegotiation refuse clients without a secure renegotiation indication.
     * @param srtp                       DTLS-SRTP profiles and rules, or null for none.
     * @param srtpDebugKeys              print each session's exported SRTP keying material (debugging only).
     * @param clientCertFingerprint      the SHA-256 fingerprint a client certificate must have, or null for none.
     */
    record Echo(
        Path certFile,
        Path keyFile,
        String pskIdentity,
        byte[] psk,
        int maxHandshakes,
        int maxSessions,
        int maxSessionsPerAddress,
        long handshakeTimeoutMs,
        long idleTimeoutMs,
        boolean requireSecureRenegotiation,
        SrtpPolicy srtp,
        boolean srtpDebugKeys,
        CertificateFingerprint clientCertFingerprint)
    {
        /**
         * Copies the key, so the record stays immutable.
         */
        Echo
        {
            psk = null == psk ? null : psk.clone();
        }

        /**
         * The pre-shared key.
         *
         * @return a copy, or null.
         */
        @Override
        public byte[] psk()
        {
            return null == psk ? null : psk.clone();
        }
    }

    /**
     * What picocli fills in: one field per option, boxed where "not given" differs from any value. Mutable, and
     * only a step to {@link ServeOptions}.
     */
    @Command(
        name = "turnstile serve",
        sortOptions = false,
        usageHelpWidth = 120,
        synopsisHeading = "usage: ",
        customSynopsis = "turnstile serve --bind HOST:PORT [options]",
        description = {
            "",
            "Answers cookie-less DTLS ClientHellos with a HelloVerifyRequest (RFC 6347 section 4.2.1) and counts the " +
                "hellos that return with a valid cookie as verified. One worker thread and one SO_REUSEPORT socket " +
                "per CPU.",
            "" },
        // One element per line, each shorter than the width: picocli would otherwise break the JSON mid-name.
        footer = {
            "",
            "Each stats line: {\"t\":seconds since start,\"epoch_ms\":..,\"workers\":..,\"rx\":..,\"hvr\":..," +
                "\"verified\":..,",
            "\"dropped\":..,\"rx_pps\":..,\"tx_pps\":..,\"hvr_pps\":..,\"verified_ps\":..,\"dropped_pps\":..," +
                "\"send_eagain\":..,",
            "\"send_failed\":..,\"reply_queue_full\":..,\"rx_truncated\":..,\"sent\":..,\"errors\":..," +
                "\"drop_reasons\":{..},",
            "\"cookie_checks\":{..}}, with --xdp \"xdp\":{\"rx\":..,\"tx\":..,\"dropped_in_kernel\":..,\"passed\":..,",
            "\"ring_full\":..,\"fill_empty\":..,..}, and with --echo \"echo\":{..,\"failed\":..,",
            "\"failures\":{\"handshake_failure\":..,\"timeout\":..,\"other\":..},..}: failed handshakes by the " +
                "fatal alert sent or",
            "received (non-zero ones, RFC names), timeout and other; each distinct failure is also written once to " +
                "stderr.",
            "Counts are cumulative, *_pps and *_ps per second since the previous line.",
            "",
            "Exit code 0: a clean stop (duration elapsed, SIGINT, SIGTERM). Exit code 1: a failure while running.",
            "Exit code 2: bad usage or an address that cannot be bound." })
    static final class Arguments
    {
        @Option(names = "--bind", paramLabel = "HOST:PORT", description = "address to listen on (required): " +
            "127.0.0.1:4433, [::1]:4433, 0.0.0.0:4433, [::]:4433 (dual stack); port 0 picks a free port, printed " +
            "once bound")
        String bind;

        @Option(names = "--workers", paramLabel = "N", description = "worker threads, each with its own socket, " +
            "1 to 1024 (default: one per --cpus entry, else one per available processor)")
        Integer workers;

        @Option(names = "--batch", paramLabel = "N",
            description = "datagrams per recvmmsg/sendmmsg, 1 to 1024 (default 64)")
        Integer batch;

        @Option(names = "--mac", paramLabel = "NAME", converter = MacConverter.class,
            description = "cookie MAC: aes-cmac (default), hmac-sha256, hmac-sha1")
        MacAlgorithm mac;

        @Option(names = "--secret-file", paramLabel = "F", description = "fixed cookie secret: F holds at least " +
            "16 bytes, either raw bytes or hex text (only hex digits, surrounding whitespace ignored), e.g. openssl " +
            "rand -hex 32 > F; it does not rotate")
        Path secretFile;

        @Option(names = "--master-key-file", paramLabel = "F", description = "fleet keys: every server with the " +
            "same master key (same format, at least 16 bytes) verifies every other's cookies; key = HKDF(master, " +
            "epoch), epoch = now/period. F must be mode 600; it may instead hold 'previous HEX', 'current HEX', " +
            "'next HEX' lines (issue under current, accept all three) to roll a new master; SIGHUP re-reads it")
        Path masterKeyFile;

        @Option(names = "--clock-tolerance", paramLabel = "SECONDS", description = "largest clock difference " +
            "between fleet servers whose cookies must verify on each other: a cookie timestamp up to this far ahead " +
            "is accepted, and the next epoch's key from this long before the epoch ends; 0 to 60, at most half " +
            "of --rotate (default 2)")
        String clockTolerance;

        @Option(names = "--rotate", paramLabel = "SECONDS", description = "key rotation period for random " +
            "(default) and fleet keys, at least 1 (default 3600); the previous key still verifies for min(60 s, " +
            "period)")
        Long rotateSeconds;

        @Option(names = "--max-cookie-age", paramLabel = "SECONDS",
            description = "oldest cookie that verifies, 1 to 86400 (default 60)")
        long maxCookieAgeSeconds = 60;

        @Option(names = "--max-hello-length", paramLabel = "BYTES", description = "longest hello, by its " +
            "handshake length, that is answered; a first fragment announcing more is dropped as hello_too_long, " +
            "256 to 16777215 (default 16384)")
        Integer maxHelloLength;

        @Option(names = "--duration", paramLabel = "SECONDS",
            description = "stop after this long (default: run until SIGINT or SIGTERM)")
        String duration;

        @Option(names = "--stats", paramLabel = "FILE|-",
            description = "where the JSON statistics lines go, one per second (default - : stdout)")
        String stats = "-";

        @Option(names = "--counters-dir", paramLabel = "DIR",
            description = "directory of the memory-mapped counters file that 'turnstile stat' reads from another " +
                "process (default /dev/shm/turnstile-PID); refused while another running server owns it, deleted " +
                "on exit")
        Path countersDirectory;

        @Option(names = "--cpus", paramLabel = "LIST",
            description = "pin worker i to the i-th CPU of LIST, e.g. 1,2 or 0-3 (Linux)")
        String cpus;

        @Option(names = "--bpf-filter", description = "attach a classic BPF filter that drops datagrams which " +
            "cannot be DTLS handshakes in the kernel")
        boolean bpfFilter;

        @Option(names = "--rcvbuf", paramLabel = "BYTES", description = "kernel receive buffer per worker socket, " +
            "at least 4096 (default 4194304); smaller bounds the queueing delay a legit client sees when a flood " +
            "outruns the worker, larger rides out scheduling hiccups without loss")
        Integer receiveBufferBytes;

        @Option(names = "--nio", description = "use NIO DatagramChannels even where recvmmsg/sendmmsg are available")
        boolean nio;

        @Option(names = "--xdp", paramLabel = "IFACE", description = "serve ClientHellos through AF_XDP on network " +
            "device IFACE: an XDP program drops what cannot be DTLS and redirects first hellos to one AF_XDP socket " +
            "per RX queue (worker i: queue i), the rest reaching each worker's UDP socket; needs root (CAP_NET_ADMIN, " +
            "CAP_BPF, CAP_NET_RAW) and a fixed port")
        String xdp;

        @Option(names = "--xdp-hello-rate", paramLabel = "PPS", description = "--xdp: let at most PPS cookie-less " +
            "ClientHellos per second per RX queue reach the worker, dropping the rest in the XDP program (hellos " +
            "with a cookie always pass), so that under a flood the queue stays short and returning clients are " +
            "answered at once; 0 for no limit (default). Set it a little below what one worker answers per second")
        Long xdpHelloRate;

        @Option(names = "--xdp-hello-burst", paramLabel = "N", description = "--xdp-hello-rate: cookie-less " +
            "hellos let through at once above the rate, 1 to 1000000 (default " + XdpFilter.Context.HELLO_BURST_DEFAULT +
            ")")
        Integer xdpHelloBurst;

        @Option(names = "--xdp-rx-ring", paramLabel = "N", description = "--xdp: slots in each AF_XDP socket's RX " +
            "ring, a power of 2 from 64 to " + XdpBatchSocket.Context.DEFAULT_RING_SIZE + " (default " +
            XdpBatchSocket.Context.DEFAULT_RING_SIZE + "); under a flood a full RX ring is the queue a hello waits " +
            "in: fewer slots, less delay, more loss in bursts")
        Integer xdpRxRing;

        @Option(names = "--xdp-busy-poll", description = "--xdp: preferred busy polling on each AF_XDP socket " +
            "(SO_PREFER_BUSY_POLL): the worker runs its queue's receive work itself, in its own system calls, instead " +
            "of a kernel thread competing for its core. Needs CAP_NET_ADMIN and the device's napi_defer_hard_irqs and " +
            "gro_flush_timeout set (Documentation/networking/napi.rst); off by default")
        boolean xdpBusyPoll;

        @Option(names = "--idle", paramLabel = "HOW", description = "how an idle worker waits: poll (sleep in " +
            "poll(2) on its socket until a datagram comes; default), backoff (spin, yield, then park up to 1 ms) or " +
            "spin (never sleep: a whole core per worker for the last microseconds of latency)")
        String idle;

        @Option(names = "--log-verified", paramLabel = "N", description = "log the first N verified hellos (peer, " +
            "record and message sequence numbers) to stderr, 0 to 1000000 (default 5)")
        int logVerified = 5;

        @Option(names = "--echo", description = "hand every verified peer to a BouncyCastle DTLS 1.2 handshake " +
            "(record and message sequence continuing from the cookie hello) and echo each application-data record " +
            "back; certificate: a self-signed ECDSA P-256 one generated at start unless --cert/--key are given")
        boolean echo;

        @Option(names = "--cert", paramLabel = "F", description = "--echo: PEM certificate (with --key)")
        Path certFile;

        @Option(names = "--key", paramLabel = "F", description = "--echo: its unencrypted PEM private key, EC or RSA")
        Path keyFile;

        @Option(names = "--psk-identity", paramLabel = "ID", description = "--echo: pre-shared key identity, " +
            "1 to 128 characters, instead of a certificate (with --psk-hex)")
        String pskIdentity;

        @Option(names = "--psk-hex", paramLabel = "HEX",
            description = "--echo: the pre-shared key, at least 16 bytes in hex")
        String pskHex;

        @Option(names = "--max-handshakes", paramLabel = "N",
            description = "--echo: concurrent handshakes, server wide, 1 to 1000000 (default 256); more are dropped")
        Integer maxHandshakes;

        @Option(names = "--max-sessions", paramLabel = "N",
            description = "--echo: sessions in all, 1 to 10000000 (default 10000)")
        Integer maxSessions;

        @Option(names = "--max-sessions-per-address", paramLabel = "N", description = "--echo: sessions per source " +
            "IPv4 address or IPv6 /64, 1 to 10000000 (default 64)")
        Integer maxSessionsPerAddress;

        @Option(names = "--handshake-timeout", paramLabel = "SECONDS",
            description = "--echo: verification to completed handshake, 0.1 to 600 (default 10)")
        String handshakeTimeout;

        @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "--echo: an established session " +
            "receiving nothing this long is closed, 0.1 to 86400 (default 30)")
        String idleTimeout;

        @Option(names = "--require-secure-renegotiation", description = "--echo: refuse (handshake_failure) " +
            "clients that send neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746); by " +
            "default they are accepted, since the DTLS server never renegotiates")
        boolean requireSecureRenegotiation;

        @Option(names = "--srtp", paramLabel = "PROFILES", description = "--echo: negotiate DTLS-SRTP (RFC 5764): " +
            "comma-separated profiles in server preference, IANA names (SRTP_AES128_CM_HMAC_SHA1_80, " +
            "SRTP_AES128_CM_HMAC_SHA1_32, SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM, SRTP_NULL_HMAC_SHA1_80, " +
            "SRTP_NULL_HMAC_SHA1_32) or OpenSSL's (SRTP_AES128_CM_SHA1_80, ...); each session's profile is reported")
        String srtp;

        @Option(names = "--srtp-required", description = "--echo --srtp: refuse (handshake_failure) a client that " +
            "offers none of the profiles; without it such a client gets a plain DTLS session")
        boolean srtpRequired;

        @Option(names = "--srtp-echo-mki", description = "--echo --srtp: echo the client's srtp_mki (RFC 5764 " +
            "section 4.1.1: the server will use the MKI); by default the server answers with an empty MKI")
        boolean srtpEchoMki;

        @Option(names = "--srtp-debug-keys", description = "--echo --srtp: print each session's exported SRTP " +
            "keying material (EXTRACTOR-dtls_srtp) in hex on stderr; for debugging only, these are secrets")
        boolean srtpDebugKeys;

        @Option(names = "--client-cert-fingerprint", paramLabel = "SHA256", description = "--echo: request the " +
            "client's certificate and accept only the one with this SHA-256 fingerprint (64 hex digits, colons " +
            "optional); others fail with bad_certificate, none with handshake_failure. Certificate credentials only")
        String clientCertFingerprint;

        @Option(names = { "-h", "--help" }, usageHelp = true, description = "this text")
        boolean help;

        /**
         * Check the rules between options and the ranges this command owns, and freeze the values.
         *
         * @return the options.
         * @throws UsageException naming the option and what would be right.
         */
        ServeOptions toOptions()
        {
            if (null == bind)
            {
                throw new UsageException("--bind HOST:PORT is required, e.g. --bind 127.0.0.1:4433");
            }
            final Bind address = Bind.parse(bind);
            // 0 is the server's "one per CPU" default, so a given 0 is refused here rather than taken as that.
            final int workerCount = null == workers ? 0 : (int)range("--workers", workers, 1, MAX_CPUS);
            if (null != secretFile && null != masterKeyFile)
            {
                throw new UsageException("--secret-file and --master-key-file are exclusive: pick one key source");
            }
            if (null != rotateSeconds)
            {
                range("--rotate", rotateSeconds, 1, Long.MAX_VALUE / 1000);
                if (null != secretFile)
                {
                    throw new UsageException(
                        "--rotate applies to random and fleet keys: a --secret-file key does not rotate");
                }
            }
            range("--max-cookie-age", maxCookieAgeSeconds, 1, 86_400);
            range("--log-verified", logVerified, 0, 1_000_000);
            final long durationNs = null == duration ? 0 : duration(duration);
            final long toleranceMs = clockToleranceMs(clockTolerance, rotateSeconds);
            final int[] cpuList = null == cpus ? null : cpuList(cpus);
            if (null != cpuList && workerCount > 0 && cpuList.length != workerCount)
            {
                throw new UsageException("--cpus lists " + cpuList.length + " CPUs for --workers " + workerCount +
                    ": give one CPU per worker");
            }
            return new ServeOptions(
                address.host, address.port, bind, workerCount, batch,
                null == mac ? MacAlgorithm.defaultAlgorithm() : mac, secretFile, masterKeyFile,
                null == rotateSeconds ? 0 : rotateSeconds, maxCookieAgeSeconds, maxHelloLength, durationNs, stats,
                countersDirectory, cpuList, bpfFilter, receiveBufferBytes, nio, logVerified, echo(), toleranceMs, xdp(),
                idle());
        }

        /**
         * {@code --clock-tolerance} in milliseconds: as given, else 2 s or half the rotation period if shorter.
         */
        private static long clockToleranceMs(final String value, final Long rotateSeconds)
        {
            final long halfPeriodMs = (null == rotateSeconds ?
                CookieKeys.DEFAULT_ROTATION_PERIOD_MS : rotateSeconds * 1000) / 2;
            if (null == value)
            {
                return Math.min(DEFAULT_CLOCK_TOLERANCE_MS, halfPeriodMs);
            }
            final double seconds = seconds("--clock-tolerance", value);
            final long ms = Math.round(seconds * 1000);
            if (!(seconds >= 0) || ms > 60_000 || ms > halfPeriodMs)
            {
                throw new UsageException("--clock-tolerance must be 0 to 60 seconds and at most half of --rotate (" +
                    halfPeriodMs / 1000.0 + " s), got " + value);
            }
            return ms;
        }

        private WorkerIdle idle()
        {
            if (null == idle)
            {
                return WorkerIdle.POLL;
            }
            for (final WorkerIdle value : WorkerIdle.values())
            {
                if (value.name().equalsIgnoreCase(idle))
                {
                    return value;
                }
            }
            throw new UsageException("--idle must be poll, backoff or spin, got '" + idle + "'");
        }

        private Xdp xdp()
        {
            if (null == xdp)
            {
                if (null != xdpHelloRate || null != xdpHelloBurst || null != xdpRxRing || xdpBusyPoll)
                {
                    throw new UsageException(
                        "--xdp-hello-rate, --xdp-hello-burst, --xdp-rx-ring and --xdp-busy-poll need --xdp");
                }
                return null;
            }
            if (xdp.isEmpty() || xdp.length() > 15 || xdp.contains("/") || xdp.isBlank())
            {
                throw new UsageException("--xdp must name a network device (1 to 15 characters), got '" + xdp + "'");
            }
            if (nio)
            {
                throw new UsageException("--xdp and --nio are exclusive");
            }
            final long helloRate = null == xdpHelloRate ? 0 : xdpHelloRate;
            final int helloBurst = null == xdpHelloBurst ? XdpFilter.Context.HELLO_BURST_DEFAULT : xdpHelloBurst;
            // The XDP filter's context owns the limits; ServeAssembly reports its refusals under these options.
            if (0 == helloRate && null != xdpHelloBurst)
            {
                throw new UsageException("--xdp-hello-burst needs --xdp-hello-rate");
            }
            return new Xdp(xdp, helloRate, helloBurst, xdpRxRing, xdpBusyPoll);
        }

        private Echo echo()
        {
            final boolean certificate = null != certFile || null != keyFile;
            final boolean preShared = null != pskIdentity || null != pskHex;
            final boolean tuned = null != maxHandshakes || null != maxSessions || null != maxSessionsPerAddress ||
                null != handshakeTimeout || null != idleTimeout || requireSecureRenegotiation;
            final boolean voip = null != srtp || srtpRequired || srtpEchoMki || srtpDebugKeys ||
                null != clientCertFingerprint;
            if (!echo)
            {
                if (certificate || preShared || tuned || voip)
                {
                    throw new UsageException("--cert, --key, --psk-*, --max-handshakes, --max-sessions*, " +
                        "--handshake-timeout, --idle-timeout, --require-secure-renegotiation, --srtp* and " +
                        "--client-cert-fingerprint apply to --echo only");
                }
                return null;
            }
            if (null == srtp && (srtpRequired || srtpEchoMki || srtpDebugKeys))
            {
                throw new UsageException("--srtp-required, --srtp-echo-mki and --srtp-debug-keys need --srtp PROFILES");
            }
            SrtpPolicy srtpPolicy = null;
            if (null != srtp)
            {
                try
                {
                    srtpPolicy = SrtpPolicy.parse(srtp).required(srtpRequired).echoMki(srtpEchoMki);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new UsageException("--srtp: " + ex.getMessage(), ex);
                }
            }
            CertificateFingerprint fingerprint = null;
            if (null != clientCertFingerprint)
            {
                if (preShared)
                {
                    throw new UsageException("--client-cert-fingerprint needs certificate credentials: PSK suites " +
                        "carry no client certificate (RFC 4279)");
                }
                try
                {
                    fingerprint = CertificateFingerprint.parse(clientCertFingerprint);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new UsageException("--client-cert-fingerprint: " + ex.getMessage(), ex);
                }
            }
            if ((null == certFile) != (null == keyFile))
            {
                throw new UsageException("--cert and --key go together");
            }
            if ((null == pskIdentity) != (null == pskHex))
            {
                throw new UsageException("--psk-identity and --psk-hex go together");
            }
            if (certificate && preShared)
            {
                throw new UsageException("--cert/--key and --psk-identity/--psk-hex are exclusive: pick one");
            }
            final byte[] psk = null == pskHex ? null : hex("--psk-hex", pskHex);
            if (null != psk && psk.length < 16)
            {
                throw new UsageException("--psk-hex must hold at least 16 bytes, got " + psk.length);
            }
            if (null != pskIdentity && (pskIdentity.isEmpty() || pskIdentity.length() > 128))
            {
                throw new UsageException("--psk-identity must be 1 to 128 characters");
            }
            return new Echo(
                certFile,
                keyFile,
                pskIdentity,
                psk,
                echoInt("--max-handshakes", maxHandshakes, SessionTable.Context.DEFAULT_MAX_HANDSHAKES, 1_000_000),
                echoInt("--max-sessions", maxSessions, SessionTable.Context.DEFAULT_MAX_SESSIONS, 10_000_000),
                echoInt("--max-sessions-per-address", maxSessionsPerAddress,
                    SessionTable.Context.DEFAULT_MAX_SESSIONS_PER_ADDRESS, 10_000_000),
                echoMillis("--handshake-timeout", handshakeTimeout,
                    SessionTable.Context.DEFAULT_HANDSHAKE_TIMEOUT_MS, 600),
                echoMillis("--idle-timeout", idleTimeout, SessionTable.Context.DEFAULT_IDLE_TIMEOUT_MS, 86_400),
                requireSecureRenegotiation,
                srtpPolicy,
                srtpDebugKeys,
                fingerprint);
        }

        private static int echoInt(final String name, final Integer value, final int defaultValue, final long max)
        {
            return null == value ? defaultValue : (int)range(name, value, 1, max);
        }

        private static long echoMillis(
            final String name, final String value, final long defaultMs, final long maxSeconds)
        {
            if (null == value)
            {
                return defaultMs;
            }
            final long ms = Math.round(seconds(name, value) * 1e3);
            if (ms < 100 || ms > maxSeconds * 1000)
            {
                throw new UsageException(name + " must be 0.1 to " + maxSeconds + " seconds, got " + value);
            }
            return ms;
        }

        private static byte[] hex(final String name, final String value)
        {
            try
            {
                return HexFormat.of().parseHex(value.strip());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException(name + " must be hex digits, an even number of them", ex);
            }
        }

        private static long range(final String name, final long value, final long min, final long max)
        {
            if (value < min || value > max)
            {
                throw new UsageException(name + " must be " + min + " to " + max + ", got " + value);
            }
            return value;
        }

        private static long whole(final String name, final String value, final long min, final long max)
        {
            final long parsed;
            try
            {
                parsed = Long.parseLong(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new UsageException(name + " must be a whole number from " + min + " to " + max + ", got '" +
                    value + "'", ex);
            }
            return range(name, parsed, min, max);
        }

        private static double seconds(final String name, final String value)
        {
            try
            {
                return Double.parseDouble(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new UsageException(name + " must be seconds, e.g. 10 or 2.5, got '" + value + "'", ex);
            }
        }

        private static long duration(final String value)
        {
            final double seconds = seconds("--duration", value);
            if (!(seconds > 0) || seconds > 31_536_000)
            {
                throw new UsageException("--duration must be more than 0 and at most a year of seconds, got " +
                    value);
            }
            return Math.max(1, Math.round(seconds * 1e9));
        }

        /**
         * A CPU list such as {@code 0-3} or {@code 1,5}. The CPU numbers themselves are the server's to check; the
         * count is bounded here so a range cannot grow the list without end.
         */
        private static int[] cpuList(final String value)
        {
            final List<Integer> list = new ArrayList<>();
            for (final String part : value.split(",", -1))
            {
                final int dash = part.indexOf('-');
                final int from = (int)whole("--cpus", dash > 0 ? part.substring(0, dash) : part, 0, Integer.MAX_VALUE);
                final int to = dash > 0 ? (int)whole("--cpus", part.substring(dash + 1), 0, Integer.MAX_VALUE) : from;
                if (to < from)
                {
                    throw new UsageException("--cpus range " + part + " runs backwards");
                }
                if (to - from >= MAX_CPUS - list.size())
                {
                    throw new UsageException("--cpus lists more than " + MAX_CPUS + " CPUs");
                }
                for (int cpu = from; cpu <= to; cpu++)
                {
                    list.add(cpu);
                }
            }
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * {@code --bind} split into host and port: {@code HOST:PORT} or {@code [IPV6]:PORT}.
     */
    private record Bind(InetAddress host, int port)
    {
        /**
         * Split and resolve {@code --bind}.
         *
         * @param value as given.
         * @return host and port.
         * @throws UsageException for a malformed value, a port out of range or an unknown host.
         */
        static Bind parse(final String value)
        {
            final String hostPart;
            final String portPart;
            if (value.startsWith("["))
            {
                final int close = value.indexOf(']');
                if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':')
                {
                    throw new UsageException("--bind must be HOST:PORT or [IPV6]:PORT, got '" + value + "'");
                }
                hostPart = value.substring(1, close);
                portPart = value.substring(close + 2);
            }
            else
            {
                final int colon = value.lastIndexOf(':');
                if (colon <= 0 || value.indexOf(':') != colon)
                {
                    throw new UsageException("--bind must be HOST:PORT or [IPV6]:PORT, got '" + value + "'");
                }
                hostPart = value.substring(0, colon);
                portPart = value.substring(colon + 1);
            }
            final int port = (int)Arguments.whole("--bind port", portPart, 0, 65_535);
            try
            {
                return new Bind(InetAddress.getByName(hostPart), port);
            }
            catch (final UnknownHostException ex)
            {
                throw new UsageException("--bind: unknown host '" + hostPart + "'", ex);
            }
        }
    }

    /**
     * {@code --mac NAME} by the MAC's label, refused in {@link MacAlgorithm}'s own words.
     */
    static final class MacConverter implements CommandLine.ITypeConverter<MacAlgorithm>
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public MacAlgorithm convert(final String value)
        {
            try
            {
                return MacAlgorithm.fromLabel(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
