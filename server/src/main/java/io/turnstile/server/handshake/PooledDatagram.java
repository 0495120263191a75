package io.turnstile.server.handshake;

/**
 * One MTU-size buffer of a {@link DatagramPool}: a datagram from a peer on its way from the conductor to the
 * session's thread. Owned by one thread at a time: the pool, the conductor filling it, the session's queue, the session
 * reading it, then the pool again.
 */
public final class PooledDatagram
{
    private final byte[] bytes;
    private int length;

    PooledDatagram(final int capacity)
    {
        this.bytes = new byte[capacity];
    }

    /**
     * The buffer.
     *
     * @return its bytes; the datagram is [0, {@link #length()}).
     */
    public byte[] bytes()
    {
        return bytes;
    }

    /**
     * Bytes of the datagram.
     *
     * @return the length.
     */
    public int length()
    {
        return length;
    }

    void length(final int length)
    {
        this.length = length;
    }
}
