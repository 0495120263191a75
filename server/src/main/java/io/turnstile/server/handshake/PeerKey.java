package io.turnstile.server.handshake;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A peer's address and UDP port as a map key: the address is always 16 bytes, an IPv4 address as the IPv4-mapped
 * IPv6 address {@code ::ffff:a.b.c.d}, the same form the cookie and the worker's accepted-peer set use.
 * <p>
 * A key is mutable only through {@link #set}, so the worker can keep one probe key and look sessions up without
 * allocating; keys stored in a map are {@link #copy() copies} and are never changed.
 */
public final class PeerKey
{
    /** Bytes of the address in its 16-byte form. */
    public static final int ADDRESS_BYTES = 16;

    private final byte[] address = new byte[ADDRESS_BYTES];
    private int port;
    private int hash;
    private int givenLength = ADDRESS_BYTES;

    /**
     * An empty key (::, port 0) to {@link #set} later.
     */
    public PeerKey()
    {
    }

    /**
     * A key for an address and port.
     *
     * @param address 4 or 16 bytes in network order.
     * @param port    the UDP port.
     * @return a new key.
     */
    public static PeerKey of(final byte[] address, final int port)
    {
        final PeerKey key = new PeerKey();
        key.set(new UnsafeBuffer(address), 0, address.length, port);
        return key;
    }

    /**
     * A key for a socket address.
     *
     * @param socketAddress the peer.
     * @return a new key.
     */
    public static PeerKey of(final InetSocketAddress socketAddress)
    {
        return of(socketAddress.getAddress().getAddress(), socketAddress.getPort());
    }

    /**
     * Point this key at another peer.
     *
     * @param buffer holding the address.
     * @param offset of the address.
     * @param length 4 or 16.
     * @param port   the UDP port.
     * @return this.
     * @throws IllegalArgumentException when length is neither 4 nor 16.
     */
    public PeerKey set(final DirectBuffer buffer, final int offset, final int length, final int port)
    {
        final byte[] address = this.address;
        if (length == 4)
        {
            Arrays.fill(address, 0, 10, (byte)0);
            address[10] = (byte)0xFF;
            address[11] = (byte)0xFF;
            buffer.getBytes(offset, address, 12, 4);
        }
        else if (length == ADDRESS_BYTES)
        {
            buffer.getBytes(offset, address, 0, ADDRESS_BYTES);
        }
        else
        {
            throw new IllegalArgumentException("address length must be 4 or 16, got " + length);
        }
        this.port = port;
        this.givenLength = length;
        this.hash = 31 * Arrays.hashCode(address) + port;
        return this;
    }

    /**
     * A stored copy of this key.
     *
     * @return a new key equal to this one.
     */
    public PeerKey copy()
    {
        final PeerKey copy = new PeerKey();
        System.arraycopy(address, 0, copy.address, 0, ADDRESS_BYTES);
        copy.port = port;
        copy.hash = hash;
        copy.givenLength = givenLength;
        return copy;
    }

    /**
     * The key the per-address cap counts under: port 0, and for a native IPv6 address only its /64 prefix. One
     * subscriber or host is routinely given a whole /64, so keying on all 128 bits would give it 2^64 caps.
     *
     * @return a new key.
     */
    public PeerKey addressOnly()
    {
        final PeerKey copy = copy();
        copy.port = 0;
        if (!isIpv4Mapped())
        {
            Arrays.fill(copy.address, ADDRESS_BYTES / 2, ADDRESS_BYTES, (byte)0);
        }
        copy.hash = 31 * Arrays.hashCode(copy.address);
        return copy;
    }

    /**
     * The 16-byte address.
     *
     * @return a copy of the address bytes.
     */
    public byte[] address()
    {
        return address.clone();
    }

    /**
     * The address in the form it was given to {@link #set} (4 or 16 bytes): the form the worker's socket reported,
     * so the form its outbox and accepted-peer set expect back. Equality ignores the form.
     *
     * @return a new array of 4 or 16 bytes.
     */
    public byte[] socketAddressBytes()
    {
        if (givenLength == 4 && isIpv4Mapped())
        {
            return Arrays.copyOfRange(address, 12, 16);
        }
        return address.clone();
    }

    /**
     * The UDP port.
     *
     * @return the port.
     */
    public int port()
    {
        return port;
    }

    /**
     * The peer as a socket address.
     *
     * @return a new socket address.
     */
    public InetSocketAddress toSocketAddress()
    {
        try
        {
            return new InetSocketAddress(InetAddress.getByAddress(socketAddressBytes()), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("a 4 or 16 byte address is always valid", ex);
        }
    }

    private boolean isIpv4Mapped()
    {
        for (int i = 0; i < 10; i++)
        {
            if (address[i] != 0)
            {
                return false;
            }
        }
        return address[10] == (byte)0xFF && address[11] == (byte)0xFF;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof PeerKey key && key.port == port && Arrays.equals(key.address, address);
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
        return toSocketAddress().toString();
    }
}
