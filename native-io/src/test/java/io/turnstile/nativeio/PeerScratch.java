package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;

/**
 * Tests' way to a {@link PeerAddress} from raw address bytes: one reused 18-byte buffer, so a test that counts
 * allocated bytes can call it in its loop.
 */
final class PeerScratch
{
    private final UnsafeBuffer bytes = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
    private final PeerAddress peer = new PeerAddress().wrap(bytes, 0);

    /**
     * The peer at 4 (IPv4) or 16 (IPv6) address bytes and a port, in the scratch buffer.
     */
    PeerAddress at(final DirectBuffer address, final int offset, final int length, final int port)
    {
        if (length == 4)
        {
            PeerAddress.encodeIpv4(bytes, 0, address, offset, port);
        }
        else if (length == 16)
        {
            PeerAddress.encodeIpv6(bytes, 0, address, offset, port);
        }
        else
        {
            throw new IllegalArgumentException("test address length must be 4 or 16, got " + length);
        }
        return peer;
    }

    /**
     * A new peer for a socket address (not scratch: each call its own).
     */
    static PeerAddress of(final InetSocketAddress address)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
        PeerAddress.encode(buffer, 0, address);
        return new PeerAddress().wrap(buffer, 0);
    }
}
