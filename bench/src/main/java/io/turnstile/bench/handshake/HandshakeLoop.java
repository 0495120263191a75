package io.turnstile.bench.handshake;

import org.HdrHistogram.Histogram;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsTimeoutException;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.TlsCrypto;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One legitimate DTLS 1.2 client of the handshake benchmark, on a thread of its own: from its own source address,
 * a fresh socket (so a fresh ephemeral port, so a fresh peer to the server) per iteration, then
 * connect &rarr; full BouncyCastle {@link DTLSClientProtocol} handshake (HelloVerifyRequest included) &rarr; one
 * application-data echo round trip &rarr; close_notify, until the deadline or the handshake count is reached.
 * <p>
 * Latencies are recorded in microseconds in this loop's own {@link Histogram}s (read after the thread is joined):
 * the handshake from just before the first ClientHello is sent to {@code connect} returning, and the echo from the
 * record sent to its echo received. Failed iterations are counted by reason, never recorded as latencies.
 * <p>
 * The client offers BouncyCastle's default cipher suites, or only the ones it is given (e.g.
 * {@code TLS_PSK_WITH_AES_128_CCM_8}, to measure the handshake rate of a CCM suite); the suites it negotiated are
 * kept by name.
 */
final class HandshakeLoop implements Runnable
{
    /** Highest latency the histograms track: a minute, in microseconds; longer values are clamped to it. */
    static final long HIGHEST_TRACKABLE_US = 60_000_000L;
    private static final int MTU = 1_500;

    private final InetAddress local;
    private final InetSocketAddress server;
    private final HandshakeBenchmark.Mode mode;
    private final TlsCrypto crypto;
    private final byte[] pskIdentity;
    private final byte[] psk;
    private final int handshakeTimeoutMs;
    private final long deadlineNs;
    private final long maxHandshakes;
    private final byte[] payload;
    private final byte[] received = new byte[MTU];
    private final DTLSClientProtocol protocol = new DTLSClientProtocol();
    private final Histogram handshakeUs = new Histogram(HIGHEST_TRACKABLE_US, 3);
    private final Histogram echoUs = new Histogram(HIGHEST_TRACKABLE_US, 3);
    private final Map<String, Long> failures = new TreeMap<>();
    private final int[] offeredSuites;
    private final Set<Integer> negotiated = new TreeSet<>();
    private long completed;
    private long completedInWindow;
    private long attempts;

    HandshakeLoop(
        final InetAddress local,
        final InetSocketAddress server,
        final HandshakeBenchmark.Mode mode,
        final TlsCrypto crypto,
        final byte[] pskIdentity,
        final byte[] psk,
        final int handshakeTimeoutMs,
        final long deadlineNs,
        final long maxHandshakes,
        final int clientIndex,
        final int[] cipherSuites)
    {
        this.offeredSuites = null == cipherSuites ? null : cipherSuites.clone();
        this.local = local;
        this.server = server;
        this.mode = mode;
        this.crypto = crypto;
        this.pskIdentity = pskIdentity;
        this.psk = psk;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.deadlineNs = deadlineNs;
        this.maxHandshakes = maxHandshakes;
        this.payload = new byte[64];
        Arrays.fill(payload, (byte)('a' + clientIndex % 26));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void run()
    {
        while (System.nanoTime() < deadlineNs && attempts < maxHandshakes)
        {
            attempts++;
            final String failure = once();
            if (null == failure)
            {
                completed++;
                if (System.nanoTime() <= deadlineNs)
                {
                    completedInWindow++;
                }
            }
            else
            {
                failures.merge(failure, 1L, Long::sum);
            }
        }
    }

    private String once()
    {
        DTLSTransport transport = null;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0)))
        {
            socket.connect(server);
            final long helloNs = System.nanoTime();
            transport = protocol.connect(newClient(), new UDPTransport(socket, MTU));
            final long establishedNs = System.nanoTime();
            transport.send(payload, 0, payload.length);
            final int length = transport.receive(received, 0, received.length, handshakeTimeoutMs);
            final long echoedNs = System.nanoTime();
            if (length < 0)
            {
                return "echo_timeout";
            }
            if (!Arrays.equals(payload, 0, payload.length, received, 0, length))
            {
                return "echo_mismatch";
            }
            record(handshakeUs, (establishedNs - helloNs) / 1_000);
            record(echoUs, (echoedNs - establishedNs) / 1_000);
            return null;
        }
        catch (final TlsTimeoutException ex)
        {
            return "handshake_timeout";
        }
        catch (final TlsFatalAlertReceived ex)
        {
            return "alert_received_" + AlertDescription.getName(ex.getAlertDescription());
        }
        catch (final TlsFatalAlert ex)
        {
            return "alert_" + AlertDescription.getName(ex.getAlertDescription());
        }
        catch (final SocketTimeoutException ex)
        {
            return "socket_timeout";
        }
        catch (final IOException | RuntimeException ex)
        {
            return reason(ex);
        }
        finally
        {
            if (null != transport)
            {
                try
                {
                    transport.close();
                }
                catch (final IOException ignore)
                {
                    // close_notify is best effort: the socket closes either way
                }
            }
        }
    }

    /**
     * A failure reason that is also a safe JSON key: the exception's class and, for plain I/O errors such as
     * ENOBUFS, its message, e.g. {@code SocketException_No_buffer_space_available}.
     */
    static String reason(final Throwable ex)
    {
        final String message = ex.getMessage();
        final String text = ex.getClass().getSimpleName() + (null == message ? "" : "_" + message);
        final StringBuilder sb = new StringBuilder(Math.min(text.length(), 64));
        for (int i = 0; i < text.length() && sb.length() < 64; i++)
        {
            final char c = text.charAt(i);
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '.' ? c : '_');
        }
        return sb.toString();
    }

    private static void record(final Histogram histogram, final long valueUs)
    {
        histogram.recordValue(Math.max(0, Math.min(HIGHEST_TRACKABLE_US, valueUs)));
    }

    private TlsClient newClient()
    {
        final int timeoutMs = handshakeTimeoutMs;
        if (mode == HandshakeBenchmark.Mode.PSK)
        {
            return new PSKTlsClient(crypto, new BasicTlsPSKIdentity(pskIdentity, psk))
            {
                @Override
                protected ProtocolVersion[] getSupportedVersions()
                {
                    return ProtocolVersion.DTLSv12.only();
                }

                @Override
                protected int[] getSupportedCipherSuites()
                {
                    // Not "cipherSuites": AbstractTlsClient has a field of that name, which would shadow this loop's.
                    return null == offeredSuites ? super.getSupportedCipherSuites() : offeredSuites.clone();
                }

                @Override
                public void notifyHandshakeComplete() throws IOException
                {
                    super.notifyHandshakeComplete();
                    negotiated.add(context.getSecurityParametersConnection().getCipherSuite());
                }

                @Override
                public int getHandshakeTimeoutMillis()
                {
                    return timeoutMs;
                }
            };
        }
        return new DefaultTlsClient(crypto)
        {
            @Override
            protected ProtocolVersion[] getSupportedVersions()
            {
                return ProtocolVersion.DTLSv12.only();
            }

            @Override
            protected int[] getSupportedCipherSuites()
            {
                // Not "cipherSuites": AbstractTlsClient has a field of that name, which would shadow this loop's.
                return null == offeredSuites ? super.getSupportedCipherSuites() : offeredSuites.clone();
            }

            @Override
            public void notifyHandshakeComplete() throws IOException
            {
                super.notifyHandshakeComplete();
                negotiated.add(context.getSecurityParametersConnection().getCipherSuite());
            }

            @Override
            public int getHandshakeTimeoutMillis()
            {
                return timeoutMs;
            }

            @Override
            public TlsAuthentication getAuthentication()
            {
                // The benchmark's server is its own self-signed one: trust is not what is measured.
                return new TlsAuthentication()
                {
                    @Override
                    public void notifyServerCertificate(final TlsServerCertificate serverCertificate)
                    {
                    }

                    @Override
                    public TlsCredentials getClientCredentials(final CertificateRequest certificateRequest)
                    {
                        return null;
                    }
                };
            }
        };
    }

    /**
     * The suites this loop's completed handshakes negotiated (read after the thread is joined).
     */
    Set<Integer> negotiated()
    {
        return negotiated;
    }

    /**
     * A cipher suite's IANA name as BouncyCastle's {@link CipherSuite} constants spell it, else its hex value.
     */
    static String suiteName(final int suite)
    {
        for (final Field field : CipherSuite.class.getFields())
        {
            try
            {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class &&
                    field.getInt(null) == suite)
                {
                    return field.getName();
                }
            }
            catch (final IllegalAccessException ignore)
            {
                // public constants are always readable
            }
        }
        return String.format("0x%04x", suite);
    }

    Histogram handshakeUs()
    {
        return handshakeUs;
    }

    Histogram echoUs()
    {
        return echoUs;
    }

    Map<String, Long> failures()
    {
        return failures;
    }

    long completed()
    {
        return completed;
    }

    long completedInWindow()
    {
        return completedInWindow;
    }

    long attempts()
    {
        return attempts;
    }
}
