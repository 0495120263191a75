package io.turnstile.server.handshake;

import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.PeerCommands;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.DirectBuffer;
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
 * A test worker without native-io's sockets: one plain {@link DatagramSocket} on loopback, core's
 * {@link ClientHelloVerifier} for peers it has not accepted, and an {@link EchoServer}'s conductor (through a
 * {@link HandshakeHandoff}) for peers it has; it applies the conductor's {@link PeerCommands} before each receive, as
 * a VerifierAgent does. It records, per peer, the verified hello's sequence numbers and the first datagram the session
 * sent, so tests can check RFC 6347 continuity on the wire.
 */
final class LoopbackHandoffServer implements AutoCloseable, PeerOutput
{
    /** What the server saw of one verified peer. */
    record Verified(long recordSequenceNumber, int messageSeq, boolean fragment)
    {
    }

    private final DatagramSocket socket;
    private final ClientHelloVerifier verifier = new ClientHelloVerifier();
    private final EchoServer echo;
    private final AcceptedPeers acceptedPeers = new AcceptedPeers(1 << 16);
    private final PeerCommands commands = new PeerCommands(EchoServer.COMMANDS_CAPACITY_BYTES);
    private final HandshakeHandoff handoff;
    private final Thread thread;
    private final Map<PeerKey, Verified> verified = new ConcurrentHashMap<>();
    private final Map<PeerKey, byte[]> firstSent = new ConcurrentHashMap<>();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private volatile long cycles;
    private volatile boolean running = true;
    private volatile Throwable failure;

    LoopbackHandoffServer(final SessionTable.Context context) throws IOException
    {
        this(context, InetAddress.getLoopbackAddress());
    }

    LoopbackHandoffServer(final SessionTable.Context context, final InetAddress bind) throws IOException
    {
        // Its own worker loop blocks in receive: the conductor gets a thread of its own.
        this.echo = new EchoServer(context, EchoServer.Threading.DEDICATED);
        this.handoff = echo.attach(acceptedPeers, commands, this);
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
                // Commands are attaches and releases; only a release makes the set smaller.
                final int before = acceptedPeers.size();
                commands.drain(acceptedPeers, 1024);
                released.addAndGet(before - acceptedPeers.size());
                cycles++;
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
                final int value = acceptedPeers.valueOf(probe.peer());
                if (value != AcceptedPeers.ABSENT)
                {
                    handoff.onPeerDatagram(datagram, length, probe.peer(), value);
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
                    handoff.onVerified(datagram, length, probe.peer(), verifier);
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
    public boolean send(final PeerKey peer, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
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

    int port()
    {
        return socket.getLocalPort();
    }

    SessionTable table()
    {
        return echo.table();
    }

    HandshakeHandoff handoff()
    {
        return handoff;
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

    /**
     * RELEASE commands the worker applied (one per session ended or peer refused), once those queued are applied.
     */
    long released() throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + 2_000;
        while (commands.size() > 0 && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(5);
        }
        final long after = cycles + 2;
        while (cycles < after && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(5);
        }
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
        echo.close();
        socket.close();
    }
}
