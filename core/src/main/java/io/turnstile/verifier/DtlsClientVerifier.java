package io.turnstile.verifier;

import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A convenience API shaped like Qt's {@code QDtlsClientVerifier}, for servers that read datagrams one at a time
 * from a {@link DatagramChannel}. It sends the HelloVerifyRequest itself and answers true for a verified hello.
 * <pre>{@code
 * DtlsClientVerifier verifier = new DtlsClientVerifier();
 * InetSocketAddress peer = (InetSocketAddress)channel.receive(buffer);
 * byte[] datagram = ...;
 * if (verifier.verifyClient(channel, datagram, peer.getAddress(), peer.getPort()))
 * {
 *     startHandshake(peer, verifier.verifiedHello());
 * }
 * }</pre>
 * Unlike {@link ClientHelloVerifier} this class allocates (the datagram copy, the verified hello, the address
 * bytes); it is for convenience, not for floods. Keys are the application's secret, as in Qt: a random 32-byte
 * secret until {@link #setCookieGeneratorParameters(GeneratorParameters)} sets one. Unlike Qt, a replaced secret
 * keeps verifying cookies for {@link CookieKeys#DEFAULT_GRACE_MS} so that clients mid-exchange are not turned away.
 * <p>
 * <b>Note:</b> not thread safe, like its Qt counterpart.
 */
public final class DtlsClientVerifier
{
    private static final int MAX_DATAGRAM = 65_535;

    private final UnsafeBuffer datagramBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_DATAGRAM));
    private final UnsafeBuffer peerBuffer = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
    private final PeerAddress peer = new PeerAddress().wrap(peerBuffer, 0);
    private final ByteBuffer replyByteBuffer = ByteBuffer.allocateDirect(256);
    private final UnsafeBuffer replyBuffer = new UnsafeBuffer(replyByteBuffer);
    private final CookieKeys keys;
    private final ClientHelloVerifier verifier;

    private GeneratorParameters parameters;
    private byte[] verifiedHello = new byte[0];
    private DtlsError error = DtlsError.NO_ERROR;
    private String errorString = "";
    private VerifyOutcome lastOutcome;

    /**
     * A verifier with the default MAC and a random secret.
     */
    public DtlsClientVerifier()
    {
        this(randomParameters());
    }

    /**
     * A verifier with the application's algorithm and secret.
     *
     * @param parameters algorithm and secret.
     */
    public DtlsClientVerifier(final GeneratorParameters parameters)
    {
        if (parameters == null)
        {
            throw new IllegalArgumentException("generator parameters must not be null");
        }
        this.parameters = parameters;
        this.keys = CookieKeys.fixed(parameters);
        this.verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
    }

    /**
     * Verify a datagram received from a peer: true when it is a ClientHello with a valid cookie; otherwise, when it
     * is a hello without one or with a bad one, a HelloVerifyRequest is sent to the peer through the socket and the
     * answer is false. Anything else is dropped (false, with {@link DtlsError#NO_ERROR}).
     *
     * @param socket   the server's channel, used to send the HelloVerifyRequest.
     * @param datagram as received.
     * @param address  the peer's address.
     * @param port     the peer's port.
     * @return true for a verified hello, whose bytes {@link #verifiedHello()} then returns.
     */
    public boolean verifyClient(
        final DatagramChannel socket, final byte[] datagram, final InetAddress address, final int port)
    {
        clearError();
        verifiedHello = new byte[0];
        lastOutcome = null;
        if (socket == null || datagram == null || datagram.length == 0 || address == null)
        {
            return fail(DtlsError.INVALID_INPUT_PARAMETERS,
                "A valid UDP socket, non-empty datagram and valid address/port were expected");
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress() || isBroadcast(address))
        {
            return fail(DtlsError.INVALID_INPUT_PARAMETERS,
                "Wildcard, multicast and broadcast addresses are not supported");
        }
        if (port < 1 || port > 65_535)
        {
            return fail(DtlsError.INVALID_INPUT_PARAMETERS, "Port must be 1 to 65535, got " + port);
        }
        if (datagram.length > MAX_DATAGRAM)
        {
            return fail(DtlsError.INVALID_INPUT_PARAMETERS, "Datagram longer than 65535 bytes");
        }

        datagramBuffer.putBytes(0, datagram);
        PeerAddress.encode(peerBuffer, 0, new InetSocketAddress(address, port));
        final long nowMs = System.currentTimeMillis();
        final VerifyOutcome outcome = verifier.verify(
            datagramBuffer, 0, datagram.length, peer, nowMs, replyBuffer, 0, replyBuffer.capacity());
        lastOutcome = outcome;

        switch (outcome)
        {
            case VERIFIED:
                verifiedHello = Arrays.copyOf(datagram, datagram.length);
                return true;

            case REPLY:
                try
                {
                    replyByteBuffer.clear().limit(verifier.replyLength());
                    socket.send(replyByteBuffer, new InetSocketAddress(address, port));
                }
                catch (final IOException ex)
                {
                    return fail(DtlsError.UNDERLYING_SOCKET_ERROR, "Cannot send HelloVerifyRequest: " + ex.getMessage());
                }
                return false;

            default:
                return false;
        }
    }

    /**
     * Verify a datagram received with {@link DatagramChannel#receive(ByteBuffer)}.
     *
     * @param socket   the server's channel.
     * @param datagram the bytes between position and limit; consumed.
     * @param peer     the sender as returned by receive.
     * @return true for a verified hello.
     */
    public boolean verifyClient(final DatagramChannel socket, final ByteBuffer datagram, final InetSocketAddress peer)
    {
        if (datagram == null || peer == null || peer.isUnresolved())
        {
            clearError();
            return fail(DtlsError.INVALID_INPUT_PARAMETERS, "A datagram and a resolved peer address were expected");
        }
        final byte[] bytes = new byte[datagram.remaining()];
        datagram.get(bytes);
        return verifyClient(socket, bytes, peer.getAddress(), peer.getPort());
    }

    /**
     * The datagram of the last verified hello.
     *
     * @return a copy of the verified datagram, empty when the last call did not verify.
     */
    public byte[] verifiedHello()
    {
        return verifiedHello.clone();
    }

    /**
     * The error of the last call.
     *
     * @return the error, {@link DtlsError#NO_ERROR} when there was none.
     */
    public DtlsError dtlsError()
    {
        return error;
    }

    /**
     * A description of the error of the last call.
     *
     * @return the description, empty when there was none.
     */
    public String dtlsErrorString()
    {
        return errorString;
    }

    /**
     * What the verifier decided for the last datagram; for a dropped one, {@link #underlyingVerifier()} says why.
     *
     * @return the outcome, or null when the input was refused before verification.
     */
    public VerifyOutcome lastOutcome()
    {
        return lastOutcome;
    }

    /**
     * The zero-allocation verifier underneath, for its counters and drop reasons.
     *
     * @return the verifier.
     */
    public ClientHelloVerifier underlyingVerifier()
    {
        return verifier;
    }

    /**
     * Set the algorithm and secret cookies are made with from now on.
     *
     * @param parameters algorithm and secret (at least 16 bytes, checked when they are made).
     * @return true, as Qt; invalid parameters cannot be constructed.
     * @throws IllegalArgumentException when parameters is null.
     */
    public boolean setCookieGeneratorParameters(final GeneratorParameters parameters)
    {
        if (parameters == null)
        {
            throw new IllegalArgumentException("generator parameters must not be null");
        }
        clearError();
        keys.rekey(parameters, System.currentTimeMillis());
        this.parameters = parameters;
        return true;
    }

    /**
     * The algorithm and secret cookies are made with.
     *
     * @return the parameters in force.
     */
    public GeneratorParameters cookieGeneratorParameters()
    {
        return parameters;
    }

    private boolean fail(final DtlsError error, final String description)
    {
        this.error = error;
        this.errorString = description;
        return false;
    }

    private void clearError()
    {
        error = DtlsError.NO_ERROR;
        errorString = "";
    }

    private static boolean isBroadcast(final InetAddress address)
    {
        if (address instanceof Inet4Address)
        {
            final byte[] bytes = address.getAddress();
            return (bytes[0] & bytes[1] & bytes[2] & bytes[3]) == (byte)0xFF;
        }
        return false;
    }

    private static GeneratorParameters randomParameters()
    {
        final byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new GeneratorParameters(MacAlgorithm.defaultAlgorithm(), secret);
    }
}
