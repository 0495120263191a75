package io.turnstile.nativeio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link AcceptedPeers}, the set every datagram's source is looked up in before the verifier, against a
 * {@link HashSet} of the peers' 18 bytes: sequences of add, remove, contains and clear over a few peers (IPv4-mapped
 * and IPv6 addresses differing in one bit, a few ports) and fuzzer-chosen ones, with a small capacity so that a full
 * set and backward-shift deletion are reached, and a SipHash key drawn from the input so that any slot layout can be
 * reached and repeated. Checked after every operation: the answers and the size agree with the model, an add is
 * refused only when the set is full, no entry is further from home than {@link AcceptedPeers#MAX_PROBE}, and nothing
 * outside the peer's 18 bytes is read (they sit at an offset in a buffer that ends with them).
 */
class AcceptedPeersFuzzTest
{
    private static final byte[][] ADDRESSES = {
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 2},
        {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
        new byte[16],
    };

    @FuzzTest(maxDuration = "10s")
    void shouldAgreeWithASetOfPeers(final FuzzedDataProvider data)
    {
        final int capacity = data.consumeInt(1, 12);
        final AcceptedPeers peers = new AcceptedPeers(capacity, new Random(data.consumeLong()));
        final Set<String> model = new HashSet<>();
        final int operations = data.consumeInt(1, 64);
        for (int i = 0; i < operations && data.remainingBytes() > 0; i++)
        {
            final int operation = data.consumeInt(0, 9);
            final byte[] bytes = peer(data);
            final int offset = data.consumeInt(0, 7);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + PeerAddress.LENGTH]);
            buffer.putBytes(offset, bytes);
            final PeerAddress peer = new PeerAddress().wrap(buffer, offset);
            final String key = HexFormat.of().formatHex(bytes);

            if (operation <= 3)
            {
                final boolean added = peers.add(peer);
                if (model.contains(key))
                {
                    assertTrue(added, "adding a peer already held");
                }
                else if (added)
                {
                    model.add(key);
                }
                else
                {
                    assertEquals(capacity, model.size(), "an add refused below capacity");
                }
            }
            else if (operation <= 5)
            {
                assertEquals(model.remove(key), peers.remove(peer));
            }
            else if (operation <= 8)
            {
                assertEquals(model.contains(key), peers.contains(peer), key);
            }
            else
            {
                peers.clear();
                model.clear();
            }
            assertEquals(model.size(), peers.size());
            assertTrue(peers.longestProbe() <= AcceptedPeers.MAX_PROBE);
        }
        for (final String key : model)
        {
            final PeerAddress peer = new PeerAddress().wrap(new UnsafeBuffer(HexFormat.of().parseHex(key)), 0);
            assertTrue(peers.contains(peer), "lost " + key);
        }
    }

    private static byte[] peer(final FuzzedDataProvider data)
    {
        final int pick = data.consumeInt(0, ADDRESSES.length);
        final byte[] bytes = new byte[PeerAddress.LENGTH];
        if (pick < ADDRESSES.length)
        {
            System.arraycopy(ADDRESSES[pick], 0, bytes, 0, 16);
            final int port = data.consumeBoolean() ? data.consumeInt(0, 3) : data.consumeInt(0, 0xFFFF);
            bytes[16] = (byte)(port >>> 8);
            bytes[17] = (byte)port;
            return bytes;
        }
        final byte[] chosen = data.consumeBytes(PeerAddress.LENGTH);
        System.arraycopy(chosen, 0, bytes, 0, chosen.length);
        return bytes;
    }
}
