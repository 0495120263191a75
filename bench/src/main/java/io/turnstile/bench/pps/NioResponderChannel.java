package io.turnstile.bench.pps;

import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.status.AtomicCounter;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * What the two NIO busy-loop baselines ({@link NioAgent}, {@link BouncyCastleAgent}) share, so that they
 * differ only in the verifier between receive and send: the non-blocking {@link DatagramChannel} opened the same way
 * (SO_REUSEPORT, {@value #SOCKET_BUFFER_BYTES}-byte socket buffers, DF when asked) and the per-datagram counts,
 * added to the {@link WorkerCounter}s every {@value #PUBLISH_EVERY} datagrams, whenever the socket is empty, and on
 * close. Loop-thread only.
 */
final class NioResponderChannel implements AutoCloseable
{
    /** Datagrams counted before the counts are published. */
    static final int PUBLISH_EVERY = 64;
    /** SO_RCVBUF and SO_SNDBUF asked for. */
    static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private final Responder.Context context;
    private final AtomicCounter[] counters;
    private DatagramChannel channel;
    private int received;
    private int replies;
    private int verified;
    private int dropped;
    private int sendFailed;

    /**
     * A channel, not yet open.
     *
     * @param context the responder's concluded configuration: bind address, port, DF, counters.
     */
    NioResponderChannel(final Responder.Context context)
    {
        this.context = context;
        this.counters = context.counters();
    }

    /**
     * Open, configure and bind the channel, non-blocking.
     *
     * @return the bound port.
     * @throws IOException when the socket cannot be opened or bound.
     */
    int open() throws IOException
    {
        final InetAddress bind = context.bindAddress();
        channel = DatagramChannel.open(
            bind instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        if (context.dontFragment())
        {
            channel.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
        }
        channel.configureBlocking(false);
        channel.bind(new InetSocketAddress(bind, context.port()));
        return ((InetSocketAddress)channel.getLocalAddress()).getPort();
    }

    /**
     * An agent's start on its own thread: pin it to the context's CPU, open the channel and tell the host the port.
     *
     * @param host told the bound port.
     * @throws UncheckedIOException when the socket cannot be opened or bound.
     */
    void startOn(final AgentHost host)
    {
        AgentHost.pin(context.cpu());
        try
        {
            host.bound().complete(open());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The open channel.
     *
     * @return the channel {@link #open()} bound.
     */
    DatagramChannel channel()
    {
        return channel;
    }

    /**
     * Count a datagram received and what became of it; publish when a batch worth has been counted.
     *
     * @param outcome {@link VerifyOutcome#REPLY} (answered), {@link VerifyOutcome#VERIFIED} or
     *                {@link VerifyOutcome#DROP}.
     * @param sent    for a reply: whether {@code send} took the datagram.
     */
    void count(final VerifyOutcome outcome, final boolean sent)
    {
        received++;
        if (outcome == VerifyOutcome.REPLY)
        {
            replies += sent ? 1 : 0;
            sendFailed += sent ? 0 : 1;
        }
        else if (outcome == VerifyOutcome.VERIFIED)
        {
            verified++;
        }
        else
        {
            dropped++;
        }
        if (received >= PUBLISH_EVERY)
        {
            publish();
        }
    }

    /**
     * Add the counts to the counters and start again from zero; nothing when nothing was received.
     */
    void publish()
    {
        if (received == 0)
        {
            return;
        }
        final AtomicCounter[] counters = this.counters;
        counters[WorkerCounter.RECEIVED.ordinal()].getAndAddRelease(received);
        counters[WorkerCounter.REPLIES.ordinal()].getAndAddRelease(replies);
        counters[WorkerCounter.VERIFIED.ordinal()].getAndAddRelease(verified);
        counters[WorkerCounter.DROPPED.ordinal()].getAndAddRelease(dropped);
        counters[WorkerCounter.SEND_FAILED.ordinal()].getAndAddRelease(sendFailed);
        received = 0;
        replies = 0;
        verified = 0;
        dropped = 0;
        sendFailed = 0;
    }

    /**
     * Publish what is left and close the channel, if it was opened.
     */
    @Override
    public void close()
    {
        publish();
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing at the end of a run: nothing left to lose.
            }
        }
    }
}
