package io.turnstile.bench.pps;

import io.turnstile.codec.PeerAddress;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The plain-JDK baseline: a non-blocking NIO {@link DatagramChannel} in a busy loop, one {@code receive} → verify with
 * the same {@link ClientHelloVerifier} and keys as Turnstile → one {@code send} per datagram. Buffers are direct and
 * allocated once; the verifier reads the received bytes in place through an {@link UnsafeBuffer} and writes the HVR
 * straight into the send buffer. The one allocation per datagram is the JDK's {@link InetSocketAddress} that
 * {@code receive} returns.
 * <p>
 * The peer's IPv4 address is read from {@link Inet4Address#hashCode()}, which is the address as an int, rather than
 * {@code getAddress()}, which would add a byte[] per datagram of our own. Counters are published, and the clock read,
 * every {@value NioResponderChannel#PUBLISH_EVERY} datagrams and whenever the socket is empty; the channel and the
 * counts are {@link NioResponderChannel}'s, shared with {@link BouncyCastleAgent}.
 */
final class NioAgent implements Agent
{
    private static final int SLOT_BYTES = 2048;

    private final Responder.Context context;
    private final AgentHost host;
    private final NioResponderChannel socket;
    private final ClientHelloVerifier verifier;
    private final ByteBuffer receive = ByteBuffer.allocateDirect(SLOT_BYTES);
    private final ByteBuffer send = ByteBuffer.allocateDirect(SLOT_BYTES);
    private final UnsafeBuffer receiveView = new UnsafeBuffer(receive);
    private final UnsafeBuffer sendView = new UnsafeBuffer(send);
    private final UnsafeBuffer ipv4 = new UnsafeBuffer(new byte[4]);
    private final UnsafeBuffer address = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
    private final PeerAddress sourcePeer = new PeerAddress().wrap(address, 0);
    private long nowMs = System.currentTimeMillis();

    NioAgent(final Responder.Context context, final AgentHost host)
    {
        this.context = context;
        this.host = host;
        this.socket = new NioResponderChannel(context);
        this.verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(context.cookieKeys()));
    }

    @Override
    public void onStart()
    {
        socket.startOn(host);
    }

    @Override
    public String roleName()
    {
        return "pps-nio-" + context.workerId();
    }

    @Override
    public int doWork() throws IOException
    {
        final DatagramChannel channel = socket.channel();
        receive.clear();
        final SocketAddress source = channel.receive(receive);
        if (null == source)
        {
            publish();
            return 0;
        }
        final InetSocketAddress peer = (InetSocketAddress)source;
        final InetAddress peerAddress = peer.getAddress();
        // The worker's form: an 18-byte PeerAddress (IPv4 without allocating, through its int).
        if (peerAddress instanceof Inet4Address)
        {
            ipv4.putInt(0, peerAddress.hashCode(), BIG_ENDIAN);
            PeerAddress.encodeIpv4(address, 0, ipv4, 0, peer.getPort());
        }
        else
        {
            PeerAddress.encode(address, 0, peer);
        }
        final VerifyOutcome outcome = verifier.verify(
            receiveView, 0, receive.position(), sourcePeer,
            nowMs, sendView, 0, SLOT_BYTES);
        final boolean sent = outcome == VerifyOutcome.REPLY &&
            channel.send(send.clear().limit(verifier.replyLength()), peer) > 0;
        socket.count(outcome, sent);
        return 1;
    }

    private void publish()
    {
        // The clock is read once per published batch, as Turnstile reads it once per recvmmsg batch.
        nowMs = System.currentTimeMillis();
        socket.publish();
    }

    @Override
    public void onClose()
    {
        socket.close();
    }
}
