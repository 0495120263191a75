package io.turnstile.server.handshake;

import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * BouncyCastle's own DTLS 1.2 client for tests: certificate (any server certificate accepted) or PSK; connect, send
 * lines, read their echoes.
 */
final class DtlsTestClient implements AutoCloseable
{
    static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());
    static final int HANDSHAKE_TIMEOUT_MS = 5_000;
    static final int MTU = 1_500;

    private final DatagramSocket socket;
    private final DTLSTransport transport;
    private final PeerKey localPeer;

    private DtlsTestClient(final DatagramSocket socket, final DTLSTransport transport)
    {
        this.socket = socket;
        this.transport = transport;
        this.localPeer = PeerKey.of((InetSocketAddress)socket.getLocalSocketAddress());
    }

    static DtlsTestClient connect(final InetAddress server, final int port, final TlsClient client)
        throws IOException
    {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server, 0));
        try
        {
            socket.connect(server, port);
            return new DtlsTestClient(socket,
                new DTLSClientProtocol().connect(client, new UDPTransport(socket, MTU)));
        }
        catch (final IOException | RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    static DtlsTestClient connectFrom(
        final InetAddress local, final InetAddress server, final int port, final TlsClient client) throws IOException
    {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0));
        try
        {
            socket.connect(server, port);
            return new DtlsTestClient(socket,
                new DTLSClientProtocol().connect(client, new UDPTransport(socket, MTU)));
        }
        catch (final IOException | RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    static DtlsTestClient connect(final int port, final TlsClient client) throws IOException
    {
        return connect(InetAddress.getLoopbackAddress(), port, client);
    }

    PeerKey localPeer()
    {
        return localPeer;
    }

    String echo(final String line) throws IOException
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        transport.send(bytes, 0, bytes.length);
        final byte[] buffer = new byte[MTU];
        final int length = transport.receive(buffer, 0, buffer.length, HANDSHAKE_TIMEOUT_MS);
        return length < 0 ? null : new String(Arrays.copyOf(buffer, length), StandardCharsets.UTF_8);
    }

    /**
     * Send a line and wait for its echo, sending it again when no echo comes within {@code waitMillis}: for a run
     * under a flood, where the kernel may drop the record (or its echo) in a full socket queue as it drops any
     * datagram, and DTLS, unlike the handshake, retransmits no application data.
     *
     * @param line       the text.
     * @param attempts   sends at most.
     * @param waitMillis wait for the echo after each send.
     * @return the first record that came back, or null when none did.
     */
    String echo(final String line, final int attempts, final int waitMillis) throws IOException
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        final byte[] buffer = new byte[MTU];
        for (int i = 0; i < attempts; i++)
        {
            transport.send(bytes, 0, bytes.length);
            final int length = transport.receive(buffer, 0, buffer.length, waitMillis);
            if (length >= 0)
            {
                return new String(Arrays.copyOf(buffer, length), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /**
     * Wait for the server to close the connection (close_notify): BouncyCastle then ends the receive early with -1
     * or closes its socket.
     *
     * @return true when closed by the server before the wait ran out.
     */
    boolean awaitClosedByServer(final int waitMillis)
    {
        final long startMs = System.currentTimeMillis();
        try
        {
            final int length = transport.receive(new byte[MTU], 0, MTU, waitMillis);
            return length < 0 && System.currentTimeMillis() - startMs < waitMillis;
        }
        catch (final IOException ex)
        {
            return socket.isClosed();
        }
    }

    @Override
    public void close()
    {
        try
        {
            transport.close();
        }
        catch (final IOException ignore)
        {
            // closing is best effort: the server may already have gone
        }
        socket.close();
    }

    static TlsClient certificateClient()
    {
        return certificateClient(HANDSHAKE_TIMEOUT_MS);
    }

    static TlsClient certificateClient(final int handshakeTimeoutMillis)
    {
        return new DefaultTlsClient(CRYPTO)
        {
            @Override
            protected ProtocolVersion[] getSupportedVersions()
            {
                return ProtocolVersion.DTLSv12.only();
            }

            @Override
            public int getHandshakeTimeoutMillis()
            {
                return handshakeTimeoutMillis;
            }

            @Override
            public TlsAuthentication getAuthentication()
            {
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

    static TlsClient pskClient(final byte[] identity, final byte[] key)
    {
        return pskClient(identity, key, HANDSHAKE_TIMEOUT_MS);
    }

    static TlsClient pskClient(final byte[] identity, final byte[] key, final int handshakeTimeoutMillis)
    {
        return new PSKTlsClient(CRYPTO, new BasicTlsPSKIdentity(identity, key))
        {
            @Override
            protected ProtocolVersion[] getSupportedVersions()
            {
                return ProtocolVersion.DTLSv12.only();
            }

            @Override
            public int getHandshakeTimeoutMillis()
            {
                return handshakeTimeoutMillis;
            }
        };
    }
}
