package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;

/**
 * A {@link PeerAddress} that owns its 18 bytes, for use as a map key: the session table's keys and the worker's probe.
 * Equality and hash are the peer's bytes, so an IPv4 peer seen through an IPv4 socket and through a dual-stack one
 * is one key.
 * <p>
 * A key is mutable only through {@link #set}, so the worker can keep one probe key and look sessions up without
 * allocating; keys stored in a map are {@link #copy() copies} and are never changed.
 */
public final class PeerKey
{
    private final UnsafeBuffer bytes = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
    private final PeerAddress peer = new PeerAddress().wrap(bytes, 0);
    private int hash;

    /**
     * An empty key (the unspecified address, port 0) to {@link #set} before use.
     */
    public PeerKey()
    {
        hash = peer.hash();
    }

    /**
     * A key for raw address bytes and a port.
     *
     * @param address 4 (IPv4) or 16 (IPv6) bytes in network byte order.
     * @param port    UDP port.
     * @return a new key.
     * @throws IllegalArgumentException when the address is not 4 or 16 bytes long.
     */
    public static PeerKey of(final byte[] address, final int port)
    {
        final PeerKey key = new PeerKey();
        if (address.length == 4)
        {
            PeerAddress.encodeIpv4(key.bytes, 0, new UnsafeBuffer(address), 0, port);
        }
        else if (address.length == PeerAddress.ADDRESS_LENGTH)
        {
            PeerAddress.encodeIpv6(key.bytes, 0, new UnsafeBuffer(address), 0, port);
        }
        else
        {
            throw new IllegalArgumentException("address length must be 4 or 16, got " + address.length);
        }
        key.hash = key.peer.hash();
        return key;
    }

    /**
     * A key for a socket address.
     *
     * @param socketAddress a resolved address.
     * @return a new key.
     */
    public static PeerKey of(final InetSocketAddress socketAddress)
    {
        final PeerKey key = new PeerKey();
        PeerAddress.encode(key.bytes, 0, socketAddress);
        key.hash = key.peer.hash();
        return key;
    }

    /**
     * Make this key the given peer (a probe's only change), without allocating.
     *
     * @param peer the peer; its 18 bytes are copied.
     * @return this.
     */
    public PeerKey set(final PeerAddress peer)
    {
        peer.copyTo(bytes, 0);
        hash = this.peer.hash();
        return this;
    }

    /**
     * A copy that is safe to store.
     *
     * @return a new key equal to this one.
     */
    public PeerKey copy()
    {
        final PeerKey copy = new PeerKey();
        copy.bytes.putBytes(0, bytes, 0, PeerAddress.LENGTH);
        copy.hash = hash;
        return copy;
    }

    /**
     * The key that counts this peer's sessions per address: port 0, and a native IPv6 address cut to its /64 (a host
     * usually owns a whole /64, so counting per /128 would let one host open a session per address it holds).
     *
     * @return a new key.
     */
    public PeerKey addressOnly()
    {
        final PeerKey copy = copy();
        if (!peer.isIpv4())
        {
            copy.bytes.setMemory(PeerAddress.ADDRESS_LENGTH / 2, PeerAddress.ADDRESS_LENGTH / 2, (byte)0);
        }
        copy.bytes.putShort(PeerAddress.PORT_OFFSET, (short)0);
        copy.hash = copy.peer.hash();
        return copy;
    }

    /**
     * The peer this key holds, as a view over the key's own bytes (e.g. to offer to an outbox).
     *
     * @return the view; do not {@link PeerAddress#wrap} it elsewhere.
     */
    public PeerAddress peer()
    {
        return peer;
    }

    /**
     * The 16-byte address (IPv4 as IPv4-mapped).
     *
     * @return a copy.
     */
    public byte[] address()
    {
        final byte[] address = new byte[PeerAddress.ADDRESS_LENGTH];
        bytes.getBytes(0, address);
        return address;
    }

    /**
     * The UDP port.
     *
     * @return 0 to 65535.
     */
    public int port()
    {
        return peer.port();
    }

    /**
     * The peer as a socket address (an IPv4 one for an IPv4-mapped peer).
     *
     * @return a new socket address.
     */
    public InetSocketAddress toSocketAddress()
    {
        return peer.toSocketAddress();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof PeerKey key && key.hash == hash && key.peer.equalTo(peer);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return hash;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return peer.toString();
    }
}
