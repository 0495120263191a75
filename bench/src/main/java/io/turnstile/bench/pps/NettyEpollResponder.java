package io.turnstile.bench.pps;

import io.turnstile.codec.PeerAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The Netty baseline: Netty 4.2's epoll {@link EpollDatagramChannel} on one pinned event-loop thread, with recvmmsg
 * enabled ({@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE} = {@value #DATAGRAM_BYTES} and a fixed receive
 * allocator of batch × {@value #DATAGRAM_BYTES} bytes, so one read takes up to a batch of datagrams), verifying each
 * {@link DatagramPacket}'s content with the same {@link ClientHelloVerifier} and keys as Turnstile, writing the HVR
 * back as a new {@link DatagramPacket}, and flushing once per read burst in {@code channelReadComplete} (Netty sends a
 * multi-packet flush with sendmmsg).
 * <p>
 * The content is read without a copy through an {@link UnsafeBuffer} over {@link ByteBuf#memoryAddress()} when the
 * buffer has one; the HVR is written the same way into a pooled direct buffer. Where Netty runs without a memory
 * address (no Unsafe), the bytes are copied through a heap scratch buffer and {@link #description()} says so.
 * Replies are dropped (counted as a full queue) while the channel is not writable, so the outbound buffer stays bounded.
 */
final class NettyEpollResponder implements Responder
{
    /** Largest datagram Netty's recvmmsg path takes per message. */
    static final int DATAGRAM_BYTES = 2048;
    private static final int REPLY_BYTES = 64;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private final Context context;
    private final VerifyHandler handler;
    private EventLoopGroup group;
    private Channel channel;

    /**
     * A responder, not yet started.
     *
     * @param context configuration.
     */
    NettyEpollResponder(final Context context)
    {
        this.context = context;
        this.handler = new VerifyHandler(context);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int start()
    {
        if (!Epoll.isAvailable())
        {
            throw new IllegalStateException("Netty epoll is unavailable: " + Epoll.unavailabilityCause());
        }
        final int cpu = context.cpu();
        final ThreadFactory threads = runnable ->
        {
            final Thread thread = new Thread(() ->
            {
                AgentHost.pin(cpu);
                runnable.run();
            }, "pps-netty-" + context.workerId());
            thread.setDaemon(true);
            return thread;
        };
        group = new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory());
        try
        {
            channel = new Bootstrap()
                .group(group)
                .channel(EpollDatagramChannel.class)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, DATAGRAM_BYTES)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                    DATAGRAM_BYTES * Math.max(2, context.batchSize())))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(EpollChannelOption.SO_REUSEPORT, true)
                .handler(handler)
                .bind(context.bindAddress(), context.port())
                .sync()
                .channel();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted binding the Netty channel", ex);
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
        if (context.dontFragment())
        {
            setDontFragment(((EpollDatagramChannel)channel).fd().intValue());
        }
        return ((InetSocketAddress)channel.localAddress()).getPort();
    }

    private static void setDontFragment(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, LibC.IP_PMTUDISC_DO);
            if (LibC.setsockopt(errnoState, fd, LibC.IPPROTO_IP, LibC.IP_MTU_DISCOVER, value, Integer.BYTES) < 0)
            {
                throw new NativeIoException("setsockopt IP_MTU_DISCOVER on the Netty channel", LibC.errno(errnoState));
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return "netty";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String description()
    {
        return "Netty 4.2 epoll DatagramChannel, recvmmsg up to " + Math.max(2, context.batchSize()) +
            " per read, flush per read burst, " + context.cookieKeys().algorithm() + " cookies, " +
            (handler.copied > 0 ? "content COPIED (no memoryAddress)" : "content read in place via memoryAddress") +
            (context.dontFragment() ? ", DF set" : "");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        if (null != channel)
        {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            channel = null;
        }
        if (null != group)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            group = null;
        }
    }

    /**
     * Verifies on the event loop; counts per read burst.
     */
    private static final class VerifyHandler extends ChannelInboundHandlerAdapter
    {
        private final ClientHelloVerifier verifier;
        private final AtomicCounter[] counters;
        private final UnsafeBuffer datagram = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer reply = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer ipv4 = new UnsafeBuffer(new byte[4]);
        private final UnsafeBuffer address = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
        private final PeerAddress source = new PeerAddress().wrap(address, 0);
        private final byte[] datagramCopy = new byte[DATAGRAM_BYTES];
        private final byte[] replyCopy = new byte[REPLY_BYTES];
        private long nowMs;
        private boolean clockRead;
        private int received;
        private int replies;
        private int verified;
        private int dropped;
        private int queueFull;
        private volatile long copied;

        VerifyHandler(final Context context)
        {
            this.verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(context.cookieKeys()));
            this.counters = context.counters();
        }

        @Override
        public boolean isSharable()
        {
            return true;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final DatagramPacket packet = (DatagramPacket)msg;
            try
            {
                handle(ctx, packet);
            }
            finally
            {
                packet.release();
            }
        }

        private void handle(final ChannelHandlerContext ctx, final DatagramPacket packet)
        {
            if (!clockRead)
            {
                // Once per read burst, as Turnstile reads the clock once per batch.
                nowMs = System.currentTimeMillis();
                clockRead = true;
            }
            received++;
            final ByteBuf content = packet.content();
            final int length = content.readableBytes();
            if (content.hasMemoryAddress())
            {
                datagram.wrap(content.memoryAddress() + content.readerIndex(), length);
            }
            else
            {
                final int copiedLength = Math.min(length, DATAGRAM_BYTES);
                content.getBytes(content.readerIndex(), datagramCopy, 0, copiedLength);
                datagram.wrap(datagramCopy, 0, copiedLength);
                copied++;
            }
            final InetSocketAddress sender = packet.sender();
            final InetAddress senderAddress = sender.getAddress();
            // The worker's form: an 18-byte PeerAddress (IPv4 without allocating, through its int).
            if (senderAddress instanceof Inet4Address)
            {
                ipv4.putInt(0, senderAddress.hashCode(), BIG_ENDIAN);
                PeerAddress.encodeIpv4(address, 0, ipv4, 0, sender.getPort());
            }
            else
            {
                PeerAddress.encode(address, 0, sender);
            }

            final ByteBuf out = ctx.alloc().directBuffer(REPLY_BYTES);
            final boolean inPlace = out.hasMemoryAddress();
            if (inPlace)
            {
                reply.wrap(out.memoryAddress() + out.writerIndex(), REPLY_BYTES);
            }
            else
            {
                reply.wrap(replyCopy);
            }
            final VerifyOutcome outcome = verifier.verify(
                datagram, 0, datagram.capacity(), source,
                nowMs, reply, 0, REPLY_BYTES);
            if (outcome == VerifyOutcome.REPLY && ctx.channel().isWritable())
            {
                if (inPlace)
                {
                    out.writerIndex(out.writerIndex() + verifier.replyLength());
                }
                else
                {
                    out.writeBytes(replyCopy, 0, verifier.replyLength());
                }
                ctx.write(new DatagramPacket(out, sender), ctx.voidPromise());
                replies++;
                return;
            }
            out.release();
            if (outcome == VerifyOutcome.REPLY)
            {
                queueFull++;
            }
            else if (outcome == VerifyOutcome.VERIFIED)
            {
                verified++;
            }
            else
            {
                dropped++;
            }
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            ctx.flush();
            clockRead = false;
            final AtomicCounter[] counters = this.counters;
            counters[WorkerCounter.RECEIVED.ordinal()].getAndAddRelease(received);
            counters[WorkerCounter.REPLIES.ordinal()].getAndAddRelease(replies);
            counters[WorkerCounter.VERIFIED.ordinal()].getAndAddRelease(verified);
            counters[WorkerCounter.DROPPED.ordinal()].getAndAddRelease(dropped);
            counters[WorkerCounter.REPLY_QUEUE_FULL.ordinal()].getAndAddRelease(queueFull);
            received = 0;
            replies = 0;
            verified = 0;
            dropped = 0;
            queueFull = 0;
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // A failed write to a spoofed peer must not stop the responder: counted, not logged per datagram.
            counters[WorkerCounter.SEND_FAILED.ordinal()].getAndAddRelease(1);
        }
    }
}
