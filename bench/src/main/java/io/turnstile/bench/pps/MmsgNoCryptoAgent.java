package io.turnstile.bench.pps;

import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.WorkerCounter;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The issue-4 ceiling: the least a recvmmsg/sendmmsg responder can do, with the same bindings as Turnstile
 * ({@link MmsgBatchSocket}) and no crypto and no parsing. Each datagram of at least {@value #REPLY_LENGTH} bytes is
 * answered with a fixed {@value #REPLY_LENGTH}-byte datagram shaped like a HelloVerifyRequest with a 32-byte cookie
 * (the longest Turnstile sends), copied into the send slot as Turnstile writes its HVR there; shorter ones are
 * dropped, so that this baseline never amplifies either.
 * <p>
 * The duty cycle: receive a batch, stage the fixed reply to every source, one flush, counters once per batch.
 */
final class MmsgNoCryptoAgent implements Agent
{
    /** A HelloVerifyRequest record with a 32-byte cookie: 13 + 12 + 2 + 1 + 32. */
    static final int REPLY_LENGTH = 60;

    /**
     * The fixed reply: record header (handshake, 0xfeff, epoch 0, sequence 0, length 47), handshake header
     * (hello_verify_request, length 35, message_seq 0, fragment 0..35), server_version 0xfeff, a 32-byte cookie of
     * 0xA5. It is never parsed by anyone: its shape only makes the bytes on the wire those of a real HVR.
     *
     * @return the datagram.
     */
    static byte[] fixedReply()
    {
        final byte[] reply = new byte[REPLY_LENGTH];
        final UnsafeBuffer buffer = new UnsafeBuffer(reply);
        final int cookieLength = REPLY_LENGTH - HelloVerifyRequestEncoder.BASE_LENGTH;
        new HelloVerifyRequestEncoder().wrap(buffer, 0).encodeHeader(0, cookieLength);
        buffer.setMemory(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookieLength, (byte)0xA5);
        return reply;
    }

    private final Responder.Context context;
    private final AgentHost host;
    private final AtomicCounter received;
    private final AtomicCounter replies;
    private final AtomicCounter dropped;
    private final AtomicCounter queueFull;
    private final UnsafeBuffer reply = new UnsafeBuffer(fixedReply());
    private MmsgBatchSocket socket;

    MmsgNoCryptoAgent(final Responder.Context context, final AgentHost host)
    {
        this.context = context;
        this.host = host;
        final AtomicCounter[] counters = context.counters();
        this.received = counters[WorkerCounter.RECEIVED.ordinal()];
        this.replies = counters[WorkerCounter.REPLIES.ordinal()];
        this.dropped = counters[WorkerCounter.DROPPED.ordinal()];
        this.queueFull = counters[WorkerCounter.REPLY_QUEUE_FULL.ordinal()];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStart()
    {
        AgentHost.pin(context.cpu());
        socket = new MmsgBatchSocket(new BatchSocket.Context()
            .bindAddress(context.bindAddress())
            .port(context.port())
            .batchSize(context.batchSize()));
        host.bound().complete(socket.localPort());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        final MmsgBatchSocket socket = this.socket;
        final int count = socket.receive();
        if (count == 0)
        {
            return socket.sendQueued() > 0 ? socket.flush() : 0;
        }
        int staged = 0;
        int shortOnes = 0;
        int full = 0;
        for (int i = 0; i < count; i++)
        {
            if (socket.received(i).length() < REPLY_LENGTH)
            {
                shortOnes++;
                continue;
            }
            int slot = socket.nextSendSlot();
            if (slot < 0)
            {
                socket.flush();
                slot = socket.nextSendSlot();
                if (slot < 0)
                {
                    full++;
                    continue;
                }
            }
            socket.sendBuffer(slot).putBytes(0, reply, 0, REPLY_LENGTH);
            socket.stageReply(slot, REPLY_LENGTH, i);
            staged++;
        }
        final int sent = socket.flush();
        received.getAndAddRelease(count);
        replies.getAndAddRelease(staged);
        if (shortOnes != 0)
        {
            dropped.getAndAddRelease(shortOnes);
        }
        if (full != 0)
        {
            queueFull.getAndAddRelease(full);
        }
        return count + sent;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        if (null != socket)
        {
            socket.close();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "pps-mmsg-nocrypto-" + context.workerId();
    }
}
