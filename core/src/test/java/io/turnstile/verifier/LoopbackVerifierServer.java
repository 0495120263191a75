package io.turnstile.verifier;

import io.turnstile.codec.PeerAddress;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A test-only UDP responder around one {@link ClientHelloVerifier}: a blocking {@link DatagramChannel} on a loopback
 * address and an ephemeral port, and one thread that hands every datagram to the verifier, sends the
 * HelloVerifyRequest on {@link VerifyOutcome#REPLY} and records what happened as an {@link Event}.
 * <p>
 * It never answers a verified hello: a real client then waits for a ServerHello that never comes, which is what the
 * interop tests want. At most {@link #MAX_EVENTS} events are kept; later datagrams are still handled and counted.
 * <p>
 * <b>Note:</b> the verifier is owned by the receiving thread while the server runs. {@link #close()} joins that
 * thread, so the verifier's counters may be read safely once it has returned.
 */
final class LoopbackVerifierServer implements AutoCloseable
{
    /** Events kept; a misbehaving client cannot grow the list without bound. */
    static final int MAX_EVENTS = 4096;

    private static final int MAX_DATAGRAM = 65_536;
    private static final int MAX_REPLY = 512;
    private static final long JOIN_TIMEOUT_MS = 5_000;

    private final ClientHelloVerifier verifier;
    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final Thread thread;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final UnsafeBuffer datagram = new UnsafeBuffer(receiveBuffer);
    private final ByteBuffer replyBuffer = ByteBuffer.allocateDirect(MAX_REPLY);
    private final UnsafeBuffer reply = new UnsafeBuffer(replyBuffer);
    private final UnsafeBuffer address = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
    private final PeerAddress peerAddress = new PeerAddress().wrap(address, 0);
    private final List<Event> events = new ArrayList<>();

    private volatile Throwable failure;

    /**
     * What the verifier decided for one datagram.
     *
     * @param outcome              of {@link ClientHelloVerifier#verify}.
     * @param peer                 address and port the datagram came from (and the HVR went to).
     * @param datagramLength       bytes received.
     * @param recordSequenceNumber of the first record, or -1 when the datagram cannot hold both headers.
     * @param messageSeq           of the handshake header, or -1 when the datagram cannot hold both headers.
     * @param keyId                key that made the HVR's cookie or verified the hello's cookie; -1 on a drop.
     * @param isFragment           whether the verified hello is only a first fragment.
     * @param dropReason           on {@link VerifyOutcome#DROP}; null otherwise.
     * @param cookie               cookie sent in the HVR on a reply, or carried by the verified hello; empty on a drop.
     */
    record Event(
        VerifyOutcome outcome,
        InetSocketAddress peer,
        int datagramLength,
        long recordSequenceNumber,
        int messageSeq,
        int keyId,
        boolean isFragment,
        DropReason dropReason,
        byte[] cookie)
    {
        /**
         * {@inheritDoc}
         */
        public String toString()
        {
            return outcome + (dropReason != null ? "(" + dropReason + ")" : "") + " from " + peer +
                " len=" + datagramLength + " seq=" + recordSequenceNumber + " message_seq=" + messageSeq +
                " key=" + keyId + " fragment=" + isFragment + " cookie=" + cookie.length + "B";
        }
    }

    private LoopbackVerifierServer(final ClientHelloVerifier verifier, final InetAddress bindAddress)
        throws IOException
    {
        this.verifier = verifier;
        final ProtocolFamily family = bindAddress instanceof Inet6Address ?
            StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        this.channel = DatagramChannel.open(family);
        try
        {
            channel.bind(new InetSocketAddress(bindAddress, 0));
            this.localAddress = (InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
        this.thread = new Thread(this::run, "turnstile-loopback-verifier-" + localAddress.getPort());
        thread.setDaemon(true);
    }

    /**
     * Bind to an ephemeral port of a loopback address and start receiving.
     *
     * @param verifier    to run every datagram through; owned by the server's thread until {@link #close()}.
     * @param bindAddress such as 127.0.0.1 or ::1.
     * @return the running server.
     * @throws IOException when the channel cannot be opened or bound.
     */
    static LoopbackVerifierServer start(final ClientHelloVerifier verifier, final InetAddress bindAddress)
        throws IOException
    {
        final LoopbackVerifierServer server = new LoopbackVerifierServer(verifier, bindAddress);
        server.thread.start();
        return server;
    }

    /**
     * The bound address and port.
     *
     * @return the local address.
     */
    InetSocketAddress localAddress()
    {
        return localAddress;
    }

    /**
     * The bound UDP port.
     *
     * @return the port.
     */
    int port()
    {
        return localAddress.getPort();
    }

    /**
     * A copy of the events so far, in arrival order.
     *
     * @return the events.
     */
    List<Event> events()
    {
        synchronized (events)
        {
            return List.copyOf(events);
        }
    }

    /**
     * The first event matching a condition, waiting for it up to a deadline or until a watched condition fails.
     *
     * @param condition   to match.
     * @param timeoutMs   how long to wait at most.
     * @param keepWaiting checked between waits; waiting stops as soon as it is false (e.g. the client exited).
     * @return the event, or null when none matched in time.
     * @throws InterruptedException when the waiting thread is interrupted.
     */
    Event awaitEvent(final Predicate<Event> condition, final long timeoutMs, final BooleanSupplier keepWaiting)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (events)
        {
            while (true)
            {
                for (final Event event : events)
                {
                    if (condition.test(event))
                    {
                        return event;
                    }
                }
                final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
                if (remainingMs <= 0 || !keepWaiting.getAsBoolean() || !thread.isAlive())
                {
                    return null;
                }
                events.wait(Math.min(remainingMs, 50));
            }
        }
    }

    /**
     * Whatever stopped the receiving thread other than {@link #close()}.
     *
     * @return the failure, or null.
     */
    Throwable failure()
    {
        return failure;
    }

    /**
     * Close the channel and join the receiving thread, after which the verifier may be read from the caller.
     * An interrupt while joining is kept on the calling thread.
     *
     * @throws IOException when the channel fails to close.
     */
    public void close() throws IOException
    {
        channel.close();
        try
        {
            thread.join(JOIN_TIMEOUT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            throw new IllegalStateException("receiving thread did not stop within " + JOIN_TIMEOUT_MS + " ms");
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
            // close() was called: the normal way out
        }
        catch (final Throwable t)
        {
            failure = t;
        }
        finally
        {
            synchronized (events)
            {
                events.notifyAll();
            }
        }
    }

    private void onDatagram(final InetSocketAddress peer, final int length) throws IOException
    {
        PeerAddress.encode(address, 0, peer);
        final VerifyOutcome outcome = verifier.verify(
            datagram, 0, length, peerAddress, System.currentTimeMillis(), reply, 0, reply.capacity());

        final boolean headersPresent = length >= ClientHelloDecoder.BODY_OFFSET;
        byte[] cookie = new byte[0];
        int keyId = -1;
        switch (outcome)
        {
            case REPLY ->
            {
                final int cookieLength = reply.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF;
                cookie = new byte[cookieLength];
                reply.getBytes(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
                keyId = verifier.keyId();
                replyBuffer.clear().limit(verifier.replyLength());
                channel.send(replyBuffer, peer);
            }
            case VERIFIED ->
            {
                cookie = new byte[verifier.hello().cookieLength()];
                datagram.getBytes(verifier.hello().cookieOffset(), cookie);
                keyId = verifier.keyId();
            }
            case DROP ->
            {
            }
        }

        final Event event = new Event(
            outcome,
            peer,
            length,
            headersPresent ? verifier.recordSequenceNumber() : -1,
            headersPresent ? verifier.messageSeq() : -1,
            keyId,
            outcome == VerifyOutcome.VERIFIED && verifier.isFragment(),
            verifier.dropReason(),
            cookie);
        synchronized (events)
        {
            if (events.size() < MAX_EVENTS)
            {
                events.add(event);
            }
            events.notifyAll();
        }
    }
}
