package io.turnstile.server.handshake;

import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test worker without native-io: one plain {@link DatagramSocket} on loopback, core's {@link ClientHelloVerifier} for
 * peers without a session, and the {@link SessionTable} for peers with one. It records, per peer, the verified hello's
 * sequence numbers and the first datagram the session sent, so tests can check RFC 6347 continuity on the wire.
 */
final class LoopbackHandoffServer implements AutoCloseable, PeerOutput
{
    /** What the server saw of one verified peer. */
    record Verified(long recordSequenceNumber, int messageSeq, boolean fragment)
    {
    }

    private final DatagramSocket socket;
    private final ClientHelloVerifier verifier = new ClientHelloVerifier();
    private final SessionTable table;
    private final Thread thread;
    private final Map<PeerKey, Verified> verified = new ConcurrentHashMap<>();
    private final Map<PeerKey, byte[]> firstSent = new ConcurrentHashMap<>();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    LoopbackHandoffServer(final SessionTable.Context context) throws IOException
    {
        this(context, InetAddress.getLoopbackAddress());
    }

    LoopbackHandoffServer(final SessionTable.Context context, final InetAddress bind) throws IOException
    {
        this.table = new SessionTable(context);
        this.socket = new DatagramSocket(new InetSocketAddress(bind, 0));
        this.socket.setSoTimeout(20);
        this.socket.setReceiveBufferSize(1 << 20);
        this.thread = new Thread(this::run, "loopback-handoff-worker");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run()
    {
        final byte[] bytes = new byte[2048];
        final UnsafeBuffer datagram = new UnsafeBuffer(bytes);
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocate(256));
        final DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
        final PeerKey probe = new PeerKey();
        try
        {
            while (running)
            {
                packet.setData(bytes);
                try
                {
                    socket.receive(packet);
                }
                catch (final SocketTimeoutException ex)
                {
                    continue;
                }
                final int port = packet.getPort();
                final int length = packet.getLength();
                probe.set(PeerKey.of(new InetSocketAddress(packet.getAddress(), port)).peer());
                final PeerSession session = table.session(probe);
                if (null != session)
                {
                    session.offer(bytes, 0, length);
                    continue;
                }
                final VerifyOutcome outcome = verifier.verify(datagram, 0, length, probe.peer(),
                    System.currentTimeMillis(), reply, 0, reply.capacity());
                if (outcome == VerifyOutcome.REPLY)
                {
                    replies.incrementAndGet();
                    socket.send(new DatagramPacket(reply.byteArray(), 0, verifier.replyLength(),
                        packet.getAddress(), port));
                }
                else if (outcome == VerifyOutcome.VERIFIED)
                {
                    verified.putIfAbsent(probe.copy(), new Verified(verifier.recordSequenceNumber(),
                        verifier.messageSeq(), verifier.isFragment()));
                    table.open(probe, bytes, 0, length, this);
                }
            }
        }
        catch (final Throwable t)
        {
            failure = t;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean send(final PeerKey peer, final byte[] buffer, final int offset, final int length)
    {
        final byte[] copy = java.util.Arrays.copyOfRange(buffer, offset, offset + length);
        firstSent.putIfAbsent(peer, copy);
        try
        {
            socket.send(new DatagramPacket(copy, 0, length, peer.toSocketAddress()));
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean release(final PeerKey peer)
    {
        released.incrementAndGet();
        return true;
    }

    int port()
    {
        return socket.getLocalPort();
    }

    SessionTable table()
    {
        return table;
    }

    Verified verified(final PeerKey peer)
    {
        return verified.get(peer);
    }

    byte[] firstSent(final PeerKey peer)
    {
        return firstSent.get(peer);
    }

    Map<PeerKey, Verified> allVerified()
    {
        return verified;
    }

    long released()
    {
        return released.get();
    }

    long replies()
    {
        return replies.get();
    }

    void forget()
    {
        verified.clear();
        firstSent.clear();
    }

    Throwable failure()
    {
        return failure;
    }

    @Override
    public void close()
    {
        running = false;
        try
        {
            thread.join(2_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        table.close();
        socket.close();
    }
}
