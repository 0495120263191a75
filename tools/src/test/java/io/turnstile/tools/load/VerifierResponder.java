package io.turnstile.tools.load;

import io.turnstile.codec.PeerAddress;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-only loopback UDP responder around core's {@link ClientHelloVerifier}: a blocking channel on 127.0.0.1,
 * one thread, an HVR sent for every {@link VerifyOutcome#REPLY}, and counts of what it saw.
 * <p>
 * {@link Mode#SERVER_HELLO} stands in for a server with a handshake behind the verifier: it answers a verified hello
 * with a handshake record whose message is a ServerHello header (RFC 6347 section 4.2.2, msg_type 2) with the
 * verified hello's record sequence number, which is all the load's client looks at. {@link Mode#CORRUPT_HVR} sends
 * the HVR with its cookie length byte off by one.
 */
final class VerifierResponder implements AutoCloseable
{
    /** What the responder does with a hello. */
    enum Mode
    {
        /** Answer cookie-less hellos with an HVR; count verified ones. */
        HVR,
        /** As HVR, and answer a verified hello with a ServerHello header. */
        SERVER_HELLO,
        /** Answer with an HVR whose cookie length disagrees with its body. */
        CORRUPT_HVR
    }

    private final ClientHelloVerifier verifier = new ClientHelloVerifier();
    private final DatagramChannel channel;
    private final Thread thread;
    private final Mode mode;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(65_536);
    private final UnsafeBuffer datagram = new UnsafeBuffer(receiveBuffer);
    private final ByteBuffer replyBuffer = ByteBuffer.allocateDirect(512);
    private final UnsafeBuffer reply = new UnsafeBuffer(replyBuffer);
    private final AtomicLong hvrs = new AtomicLong();
    private final AtomicLong verified = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final Set<InetAddress> sources = ConcurrentHashMap.newKeySet();
    private volatile Throwable failure;

    VerifierResponder(final Mode mode) throws IOException
    {
        this.mode = mode;
        this.channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::run, "verifier-responder");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException
    {
        return (InetSocketAddress)channel.getLocalAddress();
    }

    long hvrs()
    {
        return hvrs.get();
    }

    long verified()
    {
        return verified.get();
    }

    long alerts()
    {
        return alerts.get();
    }

    Set<InetAddress> sources()
    {
        return Set.copyOf(sources);
    }

    Throwable failure()
    {
        return failure;
    }

    public void close() throws java.io.IOException
    {
        channel.close();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        try
        {
            while (true)
            {
                receiveBuffer.clear();
                final SocketAddress from = channel.receive(receiveBuffer);
                if (from instanceof final InetSocketAddress peer)
                {
                    onDatagram(peer, receiveBuffer.position());
                }
            }
        }
        catch (final ClosedChannelException ignore)
        {
            // closed by the test
        }
        catch (final Throwable t)
        {
            failure = t;
        }
    }

    private void onDatagram(final InetSocketAddress peer, final int length) throws IOException
    {
        sources.add(peer.getAddress());
        if (length > 0 && datagram.getByte(0) == 21)
        {
            alerts.incrementAndGet();
            return;
        }
        final VerifyOutcome outcome = verifier.verify(
            datagram, 0, length, PeerAddress.of(peer), System.currentTimeMillis(),
            reply, 0, reply.capacity());
        if (outcome == VerifyOutcome.REPLY)
        {
            hvrs.incrementAndGet();
            if (mode == Mode.CORRUPT_HVR)
            {
                final int at = HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET;
                reply.putByte(at, (byte)(reply.getByte(at) - 1));
            }
            replyBuffer.clear().limit(verifier.replyLength());
            channel.send(replyBuffer, peer);
        }
        else if (outcome == VerifyOutcome.VERIFIED)
        {
            verified.incrementAndGet();
            if (mode == Mode.SERVER_HELLO)
            {
                replyBuffer.clear();
                replyBuffer.put((byte)22).putShort((short)0xFEFD).putShort((short)0);
                replyBuffer.putShort((short)0).putInt((int)verifier.recordSequenceNumber());
                replyBuffer.putShort((short)12);
                replyBuffer.put((byte)2).put((byte)0).putShort((short)0);
                replyBuffer.putShort((short)(verifier.messageSeq()));
                replyBuffer.put((byte)0).putShort((short)0).put((byte)0).putShort((short)0);
                replyBuffer.flip();
                channel.send(replyBuffer, peer);
            }
        }
    }
}
