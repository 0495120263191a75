package io.turnstile.nativeio;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link DemuxHandler}'s way to answer the datagram it is handling: the reply is copied into the worker's next
 * free send slot and staged to the datagram's own source address, to go out with the batch's {@code sendmmsg}.
 * One per worker, re-pointed at each datagram; nothing allocates.
 */
public final class DatagramReply
{
    private BatchSocket socket;
    private int receivedIndex;
    private long sent;
    private long refused;

    DatagramReply()
    {
    }

    void wrap(final BatchSocket socket, final int receivedIndex)
    {
        this.socket = socket;
        this.receivedIndex = receivedIndex;
    }

    /**
     * Send bytes to the source of the datagram being handled.
     *
     * @param source holding the reply.
     * @param offset of the reply in the buffer.
     * @param length of the reply, 1 to the socket's slot size.
     * @return false when no send slot was free even after a flush, or the reply is longer than a slot (counted).
     */
    public boolean send(final DirectBuffer source, final int offset, final int length)
    {
        final BatchSocket socket = this.socket;
        if (length < 1 || length > socket.slotBytes())
        {
            refused++;
            return false;
        }
        int slot = socket.nextSendSlot();
        if (slot < 0)
        {
            socket.flush();
            slot = socket.nextSendSlot();
            if (slot < 0)
            {
                refused++;
                return false;
            }
        }
        final UnsafeBuffer buffer = socket.sendBuffer(slot);
        buffer.putBytes(0, source, offset, length);
        socket.stageReply(slot, length, receivedIndex);
        sent++;
        return true;
    }

    long sent()
    {
        return sent;
    }

    long refused()
    {
        return refused;
    }
}
