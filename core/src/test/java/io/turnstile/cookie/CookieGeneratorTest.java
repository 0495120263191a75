package io.turnstile.cookie;

import io.turnstile.Captures;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CookieGeneratorTest
{
    private static final long T0 = 1_800_000_000_000L;
    private static final UnsafeBuffer ADDRESS = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
    private static final UnsafeBuffer MAPPED_ADDRESS =
        new UnsafeBuffer(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 127, 0, 0, 1});
    private static final int PORT = 40_000;

    private final ClientHelloDecoder decoder = new ClientHelloDecoder();

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldMakeCookiesOfAtMost32BytesThatVerify(final MacAlgorithm algorithm)
    {
        final CookieKeys keys = CookieKeys.random(algorithm, 600_000, 60_000, T0);
        final CookieGenerator generator = new CookieGenerator(keys);
        final byte[] cookie = cookieFor(generator, "openssl-dtls12-ch1-nocookie.bin", ADDRESS, 4, PORT, T0);

        assertTrue(cookie.length <= CookieGenerator.MAX_COOKIE_LENGTH);
        assertEquals(keys.ring().current().id(), cookie[0] & 0xFF);
        assertEquals(T0 / 1000, ByteBuffer.wrap(cookie, 1, 4).getInt() & 0xFFFF_FFFFL);
        assertEquals(CookieCheck.VALID, check(generator, "openssl-dtls12-ch1-nocookie.bin", cookie, ADDRESS, 4, PORT, T0));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldGiveIpv4AndIpv4MappedAddressesTheSameCookie(final MacAlgorithm algorithm)
    {
        final CookieGenerator generator = new CookieGenerator(CookieKeys.random(algorithm, 600_000, 60_000, T0));
        final byte[] cookie = cookieFor(generator, "bc-dtls12-bccrypto-ch1-nocookie.bin", ADDRESS, 4, PORT, T0);

        assertEquals(CookieCheck.VALID,
            check(generator, "bc-dtls12-bccrypto-ch1-nocookie.bin", cookie, MAPPED_ADDRESS, 16, PORT, T0));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldRefuseCookieForAnotherPeerOrAfterMaxAge(final MacAlgorithm algorithm)
    {
        final CookieGenerator generator = new CookieGenerator(CookieKeys.random(algorithm, 600_000, 60_000, T0));
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final byte[] cookie = cookieFor(generator, hello, ADDRESS, 4, PORT, T0);

        assertEquals(CookieCheck.BAD_MAC, check(generator, hello, cookie, ADDRESS, 4, PORT + 1, T0));
        assertEquals(CookieCheck.BAD_MAC,
            check(generator, hello, cookie, new UnsafeBuffer(new byte[]{127, 0, 0, 2}), 4, PORT, T0));
        assertEquals(CookieCheck.VALID, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 + 60_000));
        assertEquals(CookieCheck.EXPIRED, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 + 61_000));
        assertEquals(CookieCheck.FROM_FUTURE, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 - 1_001));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldVerifyPreviousKeyWithinGraceOnly(final MacAlgorithm algorithm)
    {
        final CookieKeys keys = CookieKeys.random(algorithm, 10_000, 5_000, T0);
        final CookieGenerator generator = new CookieGenerator(keys, 60_000, 0);
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final byte[] cookie = cookieFor(generator, hello, ADDRESS, 4, PORT, T0 + 9_000);

        assertEquals(CookieCheck.VALID_PREVIOUS_KEY, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 + 10_000));
        assertEquals(CookieCheck.VALID_PREVIOUS_KEY, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 + 15_000));
        assertEquals(CookieCheck.UNKNOWN_KEY, check(generator, hello, cookie, ADDRESS, 4, PORT, T0 + 15_001));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldVerifyAcrossFleetMembersWithSkewTolerance(final MacAlgorithm algorithm)
    {
        final byte[] master = "another fleet master, 32 bytes!!".getBytes();
        final CookieGenerator a = new CookieGenerator(CookieKeys.fleet(algorithm, master, 60_000, 60_000), 60_000, 2_000);
        final CookieGenerator b = new CookieGenerator(CookieKeys.fleet(algorithm, master, 60_000, 60_000), 60_000, 2_000);
        final String hello = "openssl-dtls10-ch1-nocookie.bin";
        final byte[] cookie = cookieFor(a, hello, ADDRESS, 4, PORT, T0 + 1_500);

        assertEquals(CookieCheck.VALID, check(b, hello, cookie, ADDRESS, 4, PORT, T0));
        assertEquals(CookieCheck.FROM_FUTURE, check(b, hello, cookie, ADDRESS, 4, PORT, T0 - 2_500));
        final CookieGenerator stranger = new CookieGenerator(
            CookieKeys.fleet(algorithm, "a different master key, 32 bytes".getBytes(), 60_000, 60_000), 60_000, 2_000);
        // Another master has another key id tag (unknown_key), or, one time in 64, the same tag (bad_mac).
        final CookieCheck foreign = check(stranger, hello, cookie, ADDRESS, 4, PORT, T0 + 1_500);
        assertTrue(foreign == CookieCheck.BAD_MAC || foreign == CookieCheck.UNKNOWN_KEY, foreign.toString());
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldAcceptCookiesBetweenNodesWhoseClocksDifferByLessThanTheTolerance(final MacAlgorithm algorithm)
    {
        final byte[] master = "another fleet master, 32 bytes!!".getBytes();
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final long boundary = (T0 / 60_000 + 1) * 60_000;
        for (long trueTime = boundary - 3_000; trueTime <= boundary + 3_000; trueTime += 250)
        {
            for (final long offset : new long[]{ -1_999, -1_000, -1, 0, 1, 1_000, 1_999 })
            {
                // Node b's clock reads offset ms more than node a's; each node has its own keys and clock.
                final long nowA = trueTime;
                final long nowB = trueTime + offset;
                final CookieGenerator a = fleetNode(algorithm, master, nowA);
                final CookieGenerator b = fleetNode(algorithm, master, nowB);

                final CookieCheck bChecksA = check(b, hello, cookieFor(a, hello, ADDRESS, 4, PORT, nowA),
                    ADDRESS, 4, PORT, nowB);
                final CookieCheck aChecksB = check(a, hello, cookieFor(b, hello, ADDRESS, 4, PORT, nowB),
                    ADDRESS, 4, PORT, nowA);
                assertTrue(bChecksA.isValid(), "b checking a at " + (trueTime - boundary) + " offset " + offset +
                    ": " + bChecksA);
                assertTrue(aChecksB.isValid(), "a checking b at " + (trueTime - boundary) + " offset " + offset +
                    ": " + aChecksB);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldRefuseCookiesOfANodeAheadByMoreThanTheTolerance(final MacAlgorithm algorithm)
    {
        final byte[] master = "another fleet master, 32 bytes!!".getBytes();
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final long boundary = (T0 / 60_000 + 1) * 60_000;

        // Ahead across the epoch boundary: the behind node has not derived the next epoch's key yet.
        final CookieGenerator ahead = fleetNode(algorithm, master, boundary + 500);
        final CookieGenerator behind = fleetNode(algorithm, master, boundary - 2_600);
        assertEquals(CookieCheck.UNKNOWN_KEY, check(behind, hello,
            cookieFor(ahead, hello, ADDRESS, 4, PORT, boundary + 500), ADDRESS, 4, PORT, boundary - 2_600));

        // Ahead within one epoch: the timestamp is from the future.
        final CookieGenerator aheadMid = fleetNode(algorithm, master, boundary - 20_000);
        final CookieGenerator behindMid = fleetNode(algorithm, master, boundary - 23_100);
        assertEquals(CookieCheck.FROM_FUTURE, check(behindMid, hello,
            cookieFor(aheadMid, hello, ADDRESS, 4, PORT, boundary - 20_000), ADDRESS, 4, PORT, boundary - 23_100));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldCheckEachCookieWithTheOneKeyItsIdNames(final MacAlgorithm algorithm)
    {
        final byte[] a = "fleet master a, thirty-two bytes".getBytes();
        final byte[] b = FleetMastersTest.masterWithAnotherTag(a);
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final CookieGenerator staged = new CookieGenerator(
            CookieKeys.fleet(algorithm, FleetMasters.of(null, a, b), 60_000, 60_000, 2_000, T0), 60_000, 2_000);
        final CookieGenerator onB = new CookieGenerator(
            CookieKeys.fleet(algorithm, FleetMasters.single(b), 60_000, 60_000, 2_000, T0), 60_000, 2_000);

        final byte[] cookie = cookieFor(onB, hello, ADDRESS, 4, PORT, T0);
        assertEquals(FleetMasters.keyId(b, T0 / 60_000), cookie[0] & 0xFF);
        assertEquals(CookieCheck.VALID_PREVIOUS_KEY, check(staged, hello, cookie, ADDRESS, 4, PORT, T0));
        assertEquals(CookieCheck.BAD_MAC, check(staged, hello, cookie, ADDRESS, 4, PORT + 1, T0));
        final byte[] own = cookieFor(staged, hello, ADDRESS, 4, PORT, T0);
        assertEquals(FleetMasters.keyId(a, T0 / 60_000), own[0] & 0xFF);
        assertEquals(CookieCheck.UNKNOWN_KEY, check(onB, hello, own, ADDRESS, 4, PORT, T0));
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(60)
    void shouldKeepVerifyingOnOtherThreadsWhileMastersAreReloaded(final MacAlgorithm algorithm) throws Exception
    {
        final byte[] a = "fleet master a, thirty-two bytes".getBytes();
        final byte[] b = FleetMastersTest.masterWithAnotherTag(a);
        final String hello = "openssl-dtls12-ch1-nocookie.bin";
        final CookieKeys shared = CookieKeys.fleet(algorithm, FleetMasters.single(a), 60_000, 60_000, 2_000, T0);
        final byte[] cookie = cookieFor(new CookieGenerator(shared, 60_000, 2_000), hello, ADDRESS, 4, PORT, T0);
        final byte[] withCookie = Captures.withCookie(Captures.bytes(hello), cookie);
        // Every set the reloader publishes accepts master a: a verifier must never see a ring without it.
        final FleetMasters[] sets = {
            FleetMasters.of(null, a, b), FleetMasters.of(a, b, null), FleetMasters.single(a) };
        final AtomicBoolean reloading = new AtomicBoolean(true);
        final AtomicReference<String> failure = new AtomicReference<>();
        final long[] checks = new long[2];
        final Thread[] verifiers = new Thread[2];
        for (int t = 0; t < verifiers.length; t++)
        {
            final int index = t;
            verifiers[t] = new Thread(() ->
            {
                final CookieGenerator generator = new CookieGenerator(shared, 60_000, 2_000);
                final ClientHelloDecoder decoder = new ClientHelloDecoder();
                final UnsafeBuffer buffer = Captures.offHeap(withCookie);
                final PeerAddress peer = Captures.peer(ADDRESS, 4, PORT);
                while (reloading.get() || checks[index] < 10_000)
                {
                    decoder.wrap(buffer, 0, withCookie.length).decode();
                    final CookieCheck check = generator.verify(decoder, peer, T0 + 1_000);
                    if (!check.isValid())
                    {
                        failure.compareAndSet(null, "check " + checks[index] + " on thread " + index + ": " + check);
                        return;
                    }
                    checks[index]++;
                }
            });
            verifiers[t].start();
        }
        for (int i = 0; i < 3_000 && failure.get() == null; i++)
        {
            shared.reloadMasters(sets[i % sets.length], T0 + 1_000);
        }
        reloading.set(false);
        for (final Thread verifier : verifiers)
        {
            verifier.join();
        }
        assertEquals(null, failure.get());
        assertTrue(checks[0] >= 10_000 && checks[1] >= 10_000);
    }

    private static CookieGenerator fleetNode(final MacAlgorithm algorithm, final byte[] master, final long nowMs)
    {
        return new CookieGenerator(
            CookieKeys.fleet(algorithm, FleetMasters.single(master), 60_000, 60_000, 2_000, nowMs), 60_000, 2_000);
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldRefuseEveryFlippedBit(final MacAlgorithm algorithm)
    {
        final CookieGenerator generator = new CookieGenerator(CookieKeys.random(algorithm, 600_000, 60_000, T0));
        final String hello = "bc-dtls12-jcacrypto-ch1-nocookie.bin";
        final byte[] cookie = cookieFor(generator, hello, ADDRESS, 4, PORT, T0);

        for (int bit = 0; bit < cookie.length * 8; bit++)
        {
            final byte[] flipped = cookie.clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            final CookieCheck result = check(generator, hello, flipped, ADDRESS, 4, PORT, T0);
            assertTrue(!result.isValid(), "bit " + bit + " gave " + result);
        }
        assertEquals(CookieCheck.WRONG_LENGTH, check(generator, hello, new byte[4], ADDRESS, 4, PORT, T0));
        assertEquals(CookieCheck.WRONG_LENGTH,
            check(generator, hello, java.util.Arrays.copyOf(cookie, cookie.length - 1), ADDRESS, 4, PORT, T0));
    }

    private byte[] cookieFor(
        final CookieGenerator generator,
        final String capture,
        final UnsafeBuffer address,
        final int addressLength,
        final int port,
        final long nowMs)
    {
        final byte[] hello = Captures.bytes(capture);
        assertTrue(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode());
        final UnsafeBuffer out = new UnsafeBuffer(new byte[64]);
        final int length = generator.generate(decoder, Captures.peer(address, addressLength, port), nowMs, out, 0);
        final byte[] cookie = new byte[length];
        out.getBytes(0, cookie);
        return cookie;
    }

    private CookieCheck check(
        final CookieGenerator generator,
        final String capture,
        final byte[] cookie,
        final UnsafeBuffer address,
        final int addressLength,
        final int port,
        final long nowMs)
    {
        final byte[] hello = Captures.withCookie(Captures.bytes(capture), cookie);
        assertTrue(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode());
        return generator.verify(decoder, Captures.peer(address, addressLength, port), nowMs);
    }
}
