package io.turnstile.bench.pps;

import io.turnstile.nativeio.WorkerCounter;
import org.agrona.concurrent.status.AtomicCounter;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSVerifier;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;

/**
 * The issue-4 "BouncyCastle behind an NIO loop" baseline: the same non-blocking {@link DatagramChannel} busy loop as
 * {@link NioResponder}, with BouncyCastle's {@link DTLSVerifier} (bctls, {@link BcTlsCrypto}, its own HMAC-SHA256
 * cookies) in place of Turnstile's verifier. BouncyCastle's API takes byte arrays, so the datagram is received into a
 * heap buffer and the client id (address then port, what Turnstile binds) is a new array per datagram, as any
 * application of {@code verifyRequest} must build it.
 */
final class BouncyCastleResponder implements Responder
{
    private static final int PUBLISH_EVERY = 64;
    private static final int SLOT_BYTES = 2048;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private final Context context;
    private final LoopThread thread;

    /**
     * A responder, not yet started.
     *
     * @param context configuration, concluded here; its cookie keys are not used (BouncyCastle keeps its own).
     */
    BouncyCastleResponder(final Context context)
    {
        this.context = context.conclude();
        this.thread = new LoopThread("pps-bc-" + context.workerId(), context.cpu(), new BcLoop(context));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int start()
    {
        return thread.start();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return "bc";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String description()
    {
        return "BouncyCastle DTLSVerifier (BcTlsCrypto, HMAC-SHA256 cookies) behind an NIO busy loop" +
            (context.dontFragment() ? ", DF set" : "");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        thread.close();
    }

    private static final class BcLoop implements LoopThread.Loop, DatagramSender
    {
        private final Context context;
        private final AtomicCounter[] counters;
        private final DTLSVerifier verifier = new DTLSVerifier(new BcTlsCrypto(new SecureRandom()));
        private final ByteBuffer receive = ByteBuffer.allocate(SLOT_BYTES);
        private DatagramChannel channel;
        private SocketAddress peer;
        private int received;
        private int replies;
        private int verified;
        private int dropped;
        private int sendFailed;

        BcLoop(final Context context)
        {
            this.context = context;
            this.counters = context.counters();
        }

        @Override
        public int open() throws IOException
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

        @Override
        public void poll() throws IOException
        {
            receive.clear();
            final SocketAddress source = channel.receive(receive);
            if (null == source)
            {
                publish();
                return;
            }
            final InetSocketAddress address = (InetSocketAddress)source;
            final byte[] ip = address.getAddress().getAddress();
            final byte[] clientId = new byte[ip.length + 2];
            System.arraycopy(ip, 0, clientId, 0, ip.length);
            clientId[ip.length] = (byte)(address.getPort() >>> 8);
            clientId[ip.length + 1] = (byte)address.getPort();

            peer = source;
            final int repliesBefore = replies + sendFailed;
            final DTLSRequest request = verifier.verifyRequest(clientId, receive.array(), 0, receive.position(), this);
            received++;
            if (null != request)
            {
                verified++;
            }
            else if (replies + sendFailed == repliesBefore)
            {
                dropped++;
            }
            if (received >= PUBLISH_EVERY)
            {
                publish();
            }
        }

        @Override
        public int getSendLimit()
        {
            return 1500;
        }

        @Override
        public void send(final byte[] buf, final int off, final int len)
        {
            try
            {
                if (channel.send(ByteBuffer.wrap(buf, off, len), peer) > 0)
                {
                    replies++;
                }
                else
                {
                    sendFailed++;
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        private void publish()
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
}
