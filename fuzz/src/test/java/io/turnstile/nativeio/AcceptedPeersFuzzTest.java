package io.turnstile.nativeio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link AcceptedPeers}, the set every datagram's source is looked up in before the verifier, against a
 * {@link HashSet} of normalised keys: sequences of add, remove, contains and clear over a few addresses (IPv4, its
 * IPv4-mapped IPv6 form, IPv6, fuzzer-chosen ones), ports and buffer offsets, with a small capacity so that a full set
 * and backward-shift deletion are reached, and a SipHash key drawn from the input so that any slot layout can be
 * reached and repeated. Checked after every operation: the answers and the size agree with the model, no entry is
 * further from home than {@link AcceptedPeers#MAX_PROBE}, {@code contains} never throws on what a socket reports (any
 * length, any port), and nothing outside the address bytes is read (the address sits at an offset in a buffer that
 * ends with it).
 */
class AcceptedPeersFuzzTest
{
    private static final byte[][] ADDRESSES = {
        {10, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 1},
        {10, 0, 0, 2},
        {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
        {0, 0, 0, 0},
    };

    @FuzzTest(maxDuration = "10s")
    void shouldAgreeWithASetOfNormalisedKeys(final FuzzedDataProvider data)
    {
        final int capacity = data.consumeInt(1, 12);
        final AcceptedPeers peers = new AcceptedPeers(capacity, new Random(data.consumeLong()));
        final Set<String> model = new HashSet<>();
        final int operations = data.consumeInt(1, 64);
        for (int i = 0; i < operations && data.remainingBytes() > 0; i++)
        {
            final int operation = data.consumeInt(0, 9);
            final byte[] address = address(data);
            final int offset = data.consumeInt(0, 7);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + address.length]);
            buffer.putBytes(offset, address);
            final int port = data.consumeBoolean() ? data.consumeInt(0, 3) : data.consumeInt(0, 0xFFFF);
            final String key = key(address, port);

            if (operation <= 3)
            {
                final boolean added = peers.add(buffer, offset, address.length, port);
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
                assertEquals(model.remove(key), peers.remove(buffer, offset, address.length, port));
            }
            else if (operation <= 8)
            {
                assertEquals(model.contains(key), peers.contains(buffer, offset, address.length, port), key);
                final int oddLength = data.consumeInt(0, 17);
                if (oddLength != 4 && oddLength != 16)
                {
                    assertFalse(peers.contains(new UnsafeBuffer(new byte[oddLength]), 0, oddLength, port));
                }
                assertFalse(peers.contains(buffer, offset, address.length, data.consumeInt(0x10000, Integer.MAX_VALUE)));
                assertFalse(peers.contains(buffer, offset, address.length, data.consumeInt(Integer.MIN_VALUE, -1)));
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
            final String[] parts = key.split("/");
            final byte[] address = HexFormat.of().parseHex(parts[0]);
            assertTrue(peers.contains(new UnsafeBuffer(address), 0, 16, Integer.parseInt(parts[1])), "lost " + key);
        }
    }

    private static byte[] address(final FuzzedDataProvider data)
    {
        final int pick = data.consumeInt(0, ADDRESSES.length + 1);
        if (pick < ADDRESSES.length)
        {
            return ADDRESSES[pick].clone();
        }
        final int length = pick == ADDRESSES.length ? 4 : 16;
        return Arrays.copyOf(data.consumeBytes(length), length);
    }

    /**
     * The key the set must use: the 16-byte IPv6 form (IPv4 mapped as {@code ::ffff:a.b.c.d}) and the port.
     */
    private static String key(final byte[] address, final int port)
    {
        final byte[] v6 = new byte[16];
        if (address.length == 4)
        {
            v6[10] = (byte)0xFF;
            v6[11] = (byte)0xFF;
            System.arraycopy(address, 0, v6, 12, 4);
        }
        else
        {
            System.arraycopy(address, 0, v6, 0, 16);
        }
        return HexFormat.of().formatHex(v6) + "/" + port;
    }
}
