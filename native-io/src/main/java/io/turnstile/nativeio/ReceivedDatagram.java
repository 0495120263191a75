package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One receive slot of a {@link BatchSocket} as the worker sees it: the datagram in place, its length, and its
 * source as a {@link PeerAddress}. A socket makes one view per slot when it opens and re-points them on each
 * {@link BatchSocket#receive()}, so reading a datagram costs one call and no allocation. Valid until the next receive.
 */
public final class ReceivedDatagram
{
    private final PeerAddress peer = new PeerAddress();
    private UnsafeBuffer buffer;
    private int length;

    /**
     * A slot view, made once per receive slot by a {@link BatchSocket} implementation (also one in another package,
     * such as the AF_XDP socket).
     *
     * @param buffer     the slot's buffer, re-wrapped by the socket as it likes.
     * @param peers      the socket's memory of decoded peers.
     * @param peerOffset of this slot's 18 bytes in it.
     */
    public ReceivedDatagram(final UnsafeBuffer buffer, final DirectBuffer peers, final int peerOffset)
    {
        this.buffer = buffer;
        this.peer.wrap(peers, peerOffset);
    }

    /**
     * Set by the socket on each receive.
     *
     * @param length bytes of the datagram now in the slot.
     */
    public void length(final int length)
    {
        this.length = length;
    }

    void buffer(final UnsafeBuffer buffer)
    {
        this.buffer = buffer;
    }

    /**
     * The slot's memory, wrapped without a copy: the datagram is at [0, {@link #length()}).
     *
     * @return the slot buffer.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Bytes received, at most the socket's slot size; a longer datagram was truncated to it.
     *
     * @return the datagram length.
     */
    public int length()
    {
        return length;
    }

    /**
     * Where the datagram came from, in the one form the verifier, the cookie and the peer set use.
     *
     * @return a view over the socket's memory.
     */
    public PeerAddress peer()
    {
        return peer;
    }
}
