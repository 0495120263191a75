package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A non-blocking UDP socket that moves datagrams in batches through pre-allocated slots, so a duty cycle costs one
 * system call each way however many datagrams it handles, and no datagram costs an allocation.
 * <p>
 * One cycle of a server:
 * <pre>{@code
 * final int received = socket.receive();
 * for (int i = 0; i < received; i++)
 * {
 *     final int slot = socket.nextSendSlot();
 *     if (slot < 0) { break or flush(); }   // every send slot is queued
 *     final ReceivedDatagram datagram = socket.received(i);   // buffer(), length(), peer()
 *     // ... write a reply into socket.sendBuffer(slot), then:
 *     socket.stageReply(slot, replyLength, i);
 * }
 * socket.flush();
 * }</pre>
 * Receive slots hold the last {@link #receive()}'s datagrams until the next one; send slots hold staged replies
 * until {@link #flush()} has sent them, across receives. The two sets are independent, so a reply never overwrites
 * the datagram it answers.
 * <p>
 * <b>Note:</b> not thread safe, and an implementation may be confined to the thread that opened it (see
 * {@link MmsgBatchSocket}): open, use and close it on one thread, e.g. an Agrona {@code Agent}'s own.
 * The buffers it hands out point at memory freed by {@link #close()}: drop them with the socket.
 */
public interface BatchSocket extends AutoCloseable
{
    /**
     * Receive whatever is queued, up to {@link #batchSize()} datagrams, without waiting.
     *
     * @return datagrams now in receive slots 0 to n - 1; 0 when none was waiting (EAGAIN) or a signal interrupted.
     * @throws NativeIoException or {@link java.io.UncheckedIOException} when the socket is broken.
     */
    int receive();

    /**
     * Wait until a datagram can be received, for servers that idle on the kernel rather than spin.
     *
     * @param timeoutMs how long to wait at most: 0 checks and returns, negative waits for ever.
     * @return true when {@link #receive()} will find something (or the socket has an error to report).
     */
    boolean awaitReceive(int timeoutMs);

    /**
     * A received datagram: its bytes in place, its length and its source, one view per receive slot.
     *
     * @param slot 0 to the last {@link #receive()}'s count - 1.
     * @return the slot's view, re-pointed by each receive; valid until the next one.
     */
    ReceivedDatagram received(int slot);

    /**
     * The send slot to write the next reply into, if one is free.
     *
     * @return the slot, or -1 when every send slot is queued: {@link #flush()} first, or drop the reply.
     */
    int nextSendSlot();

    /**
     * Memory of a send slot, for writing a reply in place.
     *
     * @param slot a send slot from {@link #nextSendSlot()}.
     * @return the slot buffer, {@link #slotBytes()} long.
     */
    UnsafeBuffer sendBuffer(int slot);

    /**
     * Queue the reply written into a send slot to the source of a received datagram.
     *
     * @param slot        the slot {@link #nextSendSlot()} returned.
     * @param length      of the reply, 0 to {@link #slotBytes()}.
     * @param receiveSlot whose source address and port the reply goes to.
     * @throws IllegalArgumentException when slot is not the next send slot or a value is out of range.
     */
    void stageReply(int slot, int length, int receiveSlot);

    /**
     * Queue the datagram written into a send slot to any peer.
     *
     * @param slot   the slot {@link #nextSendSlot()} returned.
     * @param length of the datagram, 0 to {@link #slotBytes()}.
     * @param peer   destination; an IPv4 socket sends to IPv4(-mapped) peers only.
     * @throws IllegalArgumentException when slot is not the next send slot, or the peer does not fit the socket.
     */
    void stage(int slot, int length, PeerAddress peer);

    /**
     * Send what is queued, in as few system calls as the kernel allows.
     * <p>
     * A full socket buffer (EAGAIN, ENOBUFS) stops the flush and leaves the rest queued for the next call, counted
     * in {@link #sendWouldBlock()}. A datagram the kernel refuses (EMSGSIZE, EINVAL for port 0, EPERM from a
     * firewall, an unreachable network) is dropped, counted in {@link #sendFailed()} and named by
     * {@link #lastSendError()}: the destination came off the wire and may be spoofed, so it must not stop the server.
     *
     * @return datagrams sent by this call.
     * @throws NativeIoException or {@link java.io.UncheckedIOException} when the socket itself is broken.
     */
    int flush();

    /**
     * Datagrams staged and not yet sent.
     *
     * @return 0 to {@link #batchSize()}.
     */
    int sendQueued();

    /**
     * Datagrams the kernel took for sending: replies and everything else staged through the send slots.
     *
     * @return count since open.
     */
    long sent();

    /**
     * Flushes that stopped on a full socket buffer with datagrams still queued.
     *
     * @return count since open.
     */
    long sendWouldBlock();

    /**
     * Datagrams dropped because the kernel refused them.
     *
     * @return count since open.
     */
    long sendFailed();

    /**
     * Why the last refused datagram was refused.
     *
     * @return e.g. "EMSGSIZE", or null when none was.
     */
    String lastSendError();

    /**
     * Datagrams too long for their slot, delivered cut to {@link #slotBytes()} (where the platform tells).
     *
     * @return count since open.
     */
    long receiveTruncated();

    /**
     * Datagrams per batch, and the number of receive slots and of send slots.
     *
     * @return the batch size.
     */
    int batchSize();

    /**
     * Bytes per slot: the longest datagram received whole and the longest that can be sent.
     *
     * @return slot size.
     */
    int slotBytes();

    /**
     * The port the socket is bound to, to learn an ephemeral one.
     *
     * @return the local UDP port.
     */
    int localPort();

    /**
     * Whether the socket is IPv6 (dual-stack when bound to the wildcard) rather than IPv4.
     *
     * @return true for an IPv6 socket.
     */
    boolean isIpv6();

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed.
     */
    boolean isClosed();

    /**
     * Close the socket and free every slot; safe to call more than once.
     */
    @Override
    void close();

    /**
     * Configuration of a {@link BatchSocket}: fluent setters, then {@link #conclude()} validates and fills defaults.
     */
    final class Context
    {
        /** Default datagrams per batch: enough to amortise a system call, small enough to stay in L1/L2. */
        public static final int DEFAULT_BATCH_SIZE = 64;
        /** Largest batch: the kernel's UIO_MAXIOV caps the vector recvmmsg and sendmmsg take. */
        public static final int MAX_BATCH_SIZE = 1024;
        /** Default slot: above any Ethernet MTU, so a ClientHello is never truncated. */
        public static final int DEFAULT_SLOT_BYTES = 2048;
        /** Smallest slot: a HelloVerifyRequest with the longest cookie must fit. */
        public static final int MIN_SLOT_BYTES = 512;
        /** Largest slot: the largest UDP payload. */
        public static final int MAX_SLOT_BYTES = 65_535;
        /** Default SO_RCVBUF: rides out a burst while the thread is busy (capped by net.core.rmem_max). */
        public static final int DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
        /** Smallest receive buffer accepted: one full-size datagram and its kernel overhead. */
        public static final int MIN_RECEIVE_BUFFER_BYTES = 4096;
        /** Default SO_SNDBUF: replies are no larger than what arrived, so the same budget. */
        public static final int DEFAULT_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

        private InetAddress bindAddress;
        private int port = 0;
        private int batchSize = Configuration.batchSize();
        private int slotBytes = Configuration.slotBytes();
        private int receiveBufferBytes = Configuration.receiveBufferBytes();
        private int sendBufferBytes = Configuration.sendBufferBytes();
        private boolean reusePort = true;
        private boolean forceNio = false;
        private boolean dtlsFilter = false;
        private boolean demuxFilter = false;
        private Consumer<String> notice;

        /**
         * Every value at its default until set.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (null == bindAddress)
            {
                try
                {
                    bindAddress = InetAddress.getByAddress(new byte[4]);
                }
                catch (final UnknownHostException ex)
                {
                    throw new IllegalStateException("the IPv4 wildcard address is always valid", ex);
                }
            }
            if (!(bindAddress instanceof Inet4Address) && !(bindAddress instanceof Inet6Address))
            {
                throw new IllegalArgumentException("bindAddress must be IPv4 or IPv6, got " + bindAddress);
            }
            if (port < 0 || port > 65_535)
            {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE)
            {
                throw new IllegalArgumentException("batchSize must be 1 to " + MAX_BATCH_SIZE + ", got " + batchSize);
            }
            if (slotBytes < MIN_SLOT_BYTES || slotBytes > MAX_SLOT_BYTES)
            {
                throw new IllegalArgumentException(
                    "slotBytes must be " + MIN_SLOT_BYTES + " to " + MAX_SLOT_BYTES + ", got " + slotBytes);
            }
            if (receiveBufferBytes < MIN_RECEIVE_BUFFER_BYTES)
            {
                throw new IllegalArgumentException(
                    "receiveBufferBytes must be at least " + MIN_RECEIVE_BUFFER_BYTES + ", got " + receiveBufferBytes);
            }
            if (sendBufferBytes < MIN_RECEIVE_BUFFER_BYTES)
            {
                throw new IllegalArgumentException(
                    "sendBufferBytes must be at least " + MIN_RECEIVE_BUFFER_BYTES + ", got " + sendBufferBytes);
            }
            if (null == notice)
            {
                notice = System.err::println;
            }
            return this;
        }

        /**
         * A copy of every value, e.g. a server's template for one worker's socket.
         *
         * @return a new context, not concluded.
         */
        public Context copy()
        {
            final Context copy = new Context();
            copy.bindAddress = bindAddress;
            copy.port = port;
            copy.batchSize = batchSize;
            copy.slotBytes = slotBytes;
            copy.receiveBufferBytes = receiveBufferBytes;
            copy.sendBufferBytes = sendBufferBytes;
            copy.reusePort = reusePort;
            copy.forceNio = forceNio;
            copy.dtlsFilter = dtlsFilter;
            copy.demuxFilter = demuxFilter;
            copy.notice = notice;
            return copy;
        }

        /**
         * Address to bind: an IPv6 one makes an IPv6 socket, dual-stack (IPV6_V6ONLY off) when it is {@code ::}.
         *
         * @param bindAddress local address; default 0.0.0.0.
         * @return this.
         */
        public Context bindAddress(final InetAddress bindAddress)
        {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            return this;
        }

        /**
         * Address to bind.
         *
         * @return the local address.
         */
        public InetAddress bindAddress()
        {
            return bindAddress;
        }

        /**
         * Port to bind.
         *
         * @param port 0 for an ephemeral port (read it back with {@link BatchSocket#localPort()}); default 0.
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * Port to bind.
         *
         * @return the port.
         */
        public int port()
        {
            return port;
        }

        /**
         * Datagrams per batch.
         *
         * @param batchSize 1 to {@value #MAX_BATCH_SIZE}; default {@value #DEFAULT_BATCH_SIZE}.
         * @return this.
         */
        public Context batchSize(final int batchSize)
        {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Datagrams per batch.
         *
         * @return the batch size.
         */
        public int batchSize()
        {
            return batchSize;
        }

        /**
         * Bytes per slot.
         *
         * @param slotBytes {@value #MIN_SLOT_BYTES} to {@value #MAX_SLOT_BYTES}; default {@value #DEFAULT_SLOT_BYTES}.
         * @return this.
         */
        public Context slotBytes(final int slotBytes)
        {
            this.slotBytes = slotBytes;
            return this;
        }

        /**
         * Bytes per slot.
         *
         * @return the slot size.
         */
        public int slotBytes()
        {
            return slotBytes;
        }

        /**
         * SO_RCVBUF to ask for.
         *
         * @param receiveBufferBytes at least 4096; default 4 MiB.
         * @return this.
         */
        public Context receiveBufferBytes(final int receiveBufferBytes)
        {
            this.receiveBufferBytes = receiveBufferBytes;
            return this;
        }

        /**
         * SO_RCVBUF to ask for.
         *
         * @return bytes.
         */
        public int receiveBufferBytes()
        {
            return receiveBufferBytes;
        }

        /**
         * SO_SNDBUF to ask for.
         *
         * @param sendBufferBytes at least 4096; default 4 MiB.
         * @return this.
         */
        public Context sendBufferBytes(final int sendBufferBytes)
        {
            this.sendBufferBytes = sendBufferBytes;
            return this;
        }

        /**
         * SO_SNDBUF to ask for.
         *
         * @return bytes.
         */
        public int sendBufferBytes()
        {
            return sendBufferBytes;
        }

        /**
         * Whether to set SO_REUSEPORT, so one socket per core can share the port.
         *
         * @param reusePort default true.
         * @return this.
         */
        public Context reusePort(final boolean reusePort)
        {
            this.reusePort = reusePort;
            return this;
        }

        /**
         * Whether to set SO_REUSEPORT.
         *
         * @return true to share the port.
         */
        public boolean reusePort()
        {
            return reusePort;
        }

        /**
         * Use NIO even where the native socket is available: to compare the two, or to rule the native one out.
         *
         * @param forceNio default false.
         * @return this.
         */
        public Context forceNio(final boolean forceNio)
        {
            this.forceNio = forceNio;
            return this;
        }

        /**
         * Whether NIO is forced.
         *
         * @return true to skip the native socket.
         */
        public boolean forceNio()
        {
            return forceNio;
        }

        /**
         * Whether to attach the kernel-side DTLS pre-filter, {@link SocketFilter#dtlsRecord()}, when the socket
         * opens: datagrams that cannot be a DTLS record are then dropped before they reach user space, and never
         * show in the socket's counters.
         * <p>
         * <b>Note:</b> only {@link MmsgBatchSocket} attaches it. {@link NioBatchSocket} cannot reach the channel's
         * descriptor without opening JDK internals, so it ignores the setting and says so once through
         * {@link #notice(Consumer)}; the verifier still drops such datagrams, in user space.
         *
         * @param dtlsFilter default false.
         * @return this.
         */
        public Context dtlsFilter(final boolean dtlsFilter)
        {
            this.dtlsFilter = dtlsFilter;
            return this;
        }

        /**
         * Whether the kernel-side DTLS pre-filter is attached.
         *
         * @return true to attach it.
         */
        public boolean dtlsFilter()
        {
            return dtlsFilter;
        }

        /**
         * With {@link #dtlsFilter(boolean)}: let the non-DTLS classes of a shared port (STUN, ZRTP, TURN channel,
         * QUIC, RTP/RTCP; RFC 7983, RFC 9443) through to a {@link DemuxHandler}, by attaching
         * {@link SocketFilter#dtlsRecordOrDemuxed()} instead of {@link SocketFilter#dtlsRecord()}.
         *
         * @param demuxFilter default false.
         * @return this.
         */
        public Context demuxFilter(final boolean demuxFilter)
        {
            this.demuxFilter = demuxFilter;
            return this;
        }

        /**
         * Whether the pre-filter lets the demultiplexed classes through.
         *
         * @return true for {@link SocketFilter#dtlsRecordOrDemuxed()}.
         */
        public boolean demuxFilter()
        {
            return demuxFilter;
        }

        /**
         * Where to say that the native socket is unavailable and NIO is used; the library has no logger.
         *
         * @param notice receives one line; default prints it to System.err.
         * @return this.
         */
        public Context notice(final Consumer<String> notice)
        {
            this.notice = Objects.requireNonNull(notice, "notice must not be null");
            return this;
        }

        /**
         * Where notices go.
         *
         * @return the notice callback.
         */
        public Consumer<String> notice()
        {
            return notice;
        }
    }
}
