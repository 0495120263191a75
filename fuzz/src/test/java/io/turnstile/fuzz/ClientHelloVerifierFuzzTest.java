package io.turnstile.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnstile.fuzz.harness.Hellos;
import io.turnstile.fuzz.harness.Placement;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link ClientHelloVerifier} (and the {@link ClientHelloDecoder} under it) with raw datagrams, seeded with the
 * real captures in {@code ClientHelloVerifierFuzzTestInputs}. For every input:
 * <ul>
 *     <li>nothing throws;</li>
 *     <li>nothing outside the datagram is read: it is verified twice, at two offsets, once in a buffer that ends with
 *     it (a read past the end throws) and once among other canary bytes, and both answers must be the same byte for
 *     byte; nothing is written into the datagram's buffer, and nothing outside the reply it reports;</li>
 *     <li>a reply or a verification happens exactly for the hellos the independent {@link HelloOracle} accepts, and
 *     the decoder's fields are where the oracle found them;</li>
 *     <li>a reply is a proper HelloVerifyRequest for that hello and never longer than the datagram;</li>
 *     <li>a hello is VERIFIED exactly when it carries the cookie the verifier issues for it: the issued cookie is
 *     spliced in (as a client would) and must verify, and must not verify from another port or address.</li>
 * </ul>
 * Each input is checked as it is and, when its three length fields do not fit its size, once more with them fitted
 * (record length to the datagram, fragment_length to the record, length to fragment_length or, for some inputs, a
 * little more, as a first fragment): a byte mutation rarely keeps three lengths consistent, and without them it
 * would seldom get past the headers to the body's own length checks. Keys are fixed and the clock stands still, so
 * every run of an input is the same.
 */
class ClientHelloVerifierFuzzTest
{
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int REPLY_OFFSET = 9;
    private static final int REPLY_CAPACITY = 256;
    private static final int REPLY_BUFFER = REPLY_OFFSET + REPLY_CAPACITY + 16;
    private static final byte REPLY_CANARY = (byte)0xC3;

    private final HelloOracle oracle = HelloOracle.forVerifier();
    private final ClientHelloVerifier[] verifiers = {
        verifier(MacAlgorithm.AES_CMAC), verifier(MacAlgorithm.HMAC_SHA256), verifier(MacAlgorithm.HMAC_SHA1)};
    private final Placement exact = new Placement(1);
    private final Placement padded = new Placement(2);
    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(REPLY_BUFFER));

    @FuzzTest(maxDuration = "10s")
    void shouldAnswerExactlyTheWellFormedHellosAndReadNothingElse(final byte[] datagram)
    {
        check(datagram);
        final byte[] fitted = Hellos.withFittedLengths(datagram, Hellos.mix(datagram));
        if (null != fitted)
        {
            check(fitted);
        }
    }

    private void check(final byte[] datagram)
    {
        final int mix = Hellos.mix(datagram);
        final ClientHelloVerifier verifier = verifiers[Integer.remainderUnsigned(mix, verifiers.length)];
        final Source source = Source.of(mix);
        final HelloOracle.Hello hello = oracle.parse(datagram);

        final Result first = verify(verifier, datagram, source, exact, 1 + ((mix >>> 4) & 31), 0);
        final Result second = verify(verifier, datagram, source, padded, 40 + ((mix >>> 9) & 127), 48);
        assertEquals(first, second, "the answer depends on bytes outside the datagram");

        if (null == hello)
        {
            assertEquals(VerifyOutcome.DROP, first.outcome, "answered a datagram that is not a well-formed hello");
            assertNotNull(first.dropReason);
            return;
        }
        assertEquals(hello, first.decoded, "the decoder's fields are not where the oracle found them");
        checkExtensionLookups(verifier, datagram, hello, mix);

        final byte[] issued = issuedCookie(verifier, datagram, hello, source);
        final boolean carriesIssuedCookie = Arrays.equals(issued, Hellos.cookie(datagram, hello));
        if (carriesIssuedCookie)
        {
            assertEquals(VerifyOutcome.VERIFIED, first.outcome, "the cookie this verifier issued was refused");
        }
        else
        {
            assertEquals(VerifyOutcome.REPLY, first.outcome, "a hello without this verifier's cookie was not answered");
            assertArrayEquals(issued, first.replyCookie(), "the cookie depends on more than the fields it binds");
        }

        final byte[] withIssued = Hellos.withCookie(datagram, hello, issued);
        if (null != withIssued)
        {
            final HelloOracle.Hello second2 = oracle.parse(withIssued);
            final VerifyOutcome expected = null == second2 ? VerifyOutcome.DROP : VerifyOutcome.VERIFIED;
            assertEquals(expected, verify(verifier, withIssued, source, padded, 3, 5).outcome,
                "the hello repeated with its cookie");
            if (null != second2)
            {
                assertEquals(VerifyOutcome.REPLY, verify(verifier, withIssued, source.otherPort(), padded, 3, 5).outcome,
                    "a cookie verified from another port");
                assertEquals(VerifyOutcome.REPLY,
                    verify(verifier, withIssued, source.otherAddress(), padded, 3, 5).outcome,
                    "a cookie verified from another address");
            }
        }
    }

    private Result verify(
        final ClientHelloVerifier verifier,
        final byte[] datagram,
        final Source source,
        final Placement placement,
        final int offset,
        final int slack)
    {
        final UnsafeBuffer buffer = placement.place(datagram, offset, slack);
        reply.setMemory(0, REPLY_BUFFER, REPLY_CANARY);
        final long before = verifier.counters().datagrams();

        final VerifyOutcome outcome = verifier.verify(
            buffer, offset, datagram.length, source.peer, NOW_MS, reply, REPLY_OFFSET, REPLY_CAPACITY);

        assertTrue(placement.isIntact(datagram), "the verifier wrote into the datagram's buffer");
        assertEquals(before + 1, verifier.counters().datagrams(), "every datagram is counted once");
        final int replyLength = verifier.replyLength();
        assertEquals(-1, Placement.firstDifference(reply, 0, REPLY_OFFSET, REPLY_CANARY), "written before the reply");
        assertEquals(-1, Placement.firstDifference(reply, REPLY_OFFSET + replyLength, REPLY_BUFFER, REPLY_CANARY),
            "written after the reply it reported");

        final byte[] replyBytes = new byte[replyLength];
        reply.getBytes(REPLY_OFFSET, replyBytes);
        switch (outcome)
        {
            case DROP ->
            {
                assertEquals(0, replyLength);
                return new Result(outcome, verifier.dropReason(), null, "", null);
            }
            case REPLY ->
            {
                assertTrue(replyLength > 0 && replyLength <= datagram.length,
                    "reply of " + replyLength + " bytes to a datagram of " + datagram.length);
                final HelloOracle.Hello decoded = decoded(verifier.hello(), offset);
                assertNull(HelloOracle.checkHelloVerifyRequest(replyBytes, 0, replyLength, decoded));
                return new Result(outcome, null, verifier.cookieCheck(), HexFormat.of().formatHex(replyBytes), decoded);
            }
            default ->
            {
                assertEquals(0, replyLength);
                assertTrue(verifier.cookieCheck().isValid());
                assertEquals(offset, verifier.helloOffset());
                final HelloOracle.Hello decoded = decoded(verifier.hello(), offset);
                assertEquals(decoded.recordLength(), verifier.helloLength());
                assertEquals(decoded.recordSequenceNumber(), verifier.recordSequenceNumber());
                assertEquals(decoded.messageSeq(), verifier.messageSeq());
                assertEquals(decoded.fragmented(), verifier.isFragment());
                return new Result(outcome, null, verifier.cookieCheck(), "", decoded);
            }
        }
    }

    /**
     * The cookie the verifier issues for this hello from this source: the cookie is taken out and the hello answered.
     */
    private byte[] issuedCookie(
        final ClientHelloVerifier verifier, final byte[] datagram, final HelloOracle.Hello hello, final Source source)
    {
        final byte[] cookieless = Hellos.withCookie(datagram, hello, new byte[0]);
        assertNotNull(oracle.parse(cookieless), "taking the cookie out cannot make a hello malformed");
        final Result answer = verify(verifier, cookieless, source, padded, 2, 3);
        assertEquals(VerifyOutcome.REPLY, answer.outcome, "a well-formed cookie-less hello was not answered");
        return answer.replyCookie();
    }

    private void checkExtensionLookups(
        final ClientHelloVerifier verifier, final byte[] datagram, final HelloOracle.Hello hello, final int mix)
    {
        // The decoder still wraps the padded placement of the last verify, at its offset.
        final ClientHelloDecoder decoder = verifier.hello();
        final int base = padded.offset();
        final int firstType = hello.extensionCount() > 0 ? (int)Hellos.unsigned(datagram, hello.extensionsAt(), 2) : 0;
        for (final int type : new int[]{firstType, 43, 0xFF01, (mix >>> 16) & 0xFFFF})
        {
            final int found = decoder.findExtension(type);
            assertEquals(Hellos.findExtension(datagram, hello, type), found < 0 ? -1 : found - base,
                "extension " + type);
        }
    }

    private static HelloOracle.Hello decoded(final ClientHelloDecoder decoder, final int base)
    {
        return new HelloOracle.Hello(
            decoder.recordSequenceNumber(),
            decoder.recordVersion(),
            decoder.recordLength(),
            decoder.messageSeq(),
            decoder.messageLength(),
            decoder.fragmentLength(),
            decoder.clientVersion(),
            decoder.sessionIdOffset() - base,
            decoder.sessionIdLength(),
            decoder.cookieOffset() - base,
            decoder.cookieLength(),
            decoder.cipherSuitesOffset() - base,
            decoder.cipherSuitesLength(),
            decoder.compressionMethodsOffset() - base,
            decoder.compressionMethodsLength(),
            decoder.extensionsOffset() < 0 ? -1 : decoder.extensionsOffset() - base,
            decoder.extensionsLength(),
            decoder.extensionCount());
    }

    private static ClientHelloVerifier verifier(final MacAlgorithm algorithm)
    {
        final byte[] secret = new byte[32];
        Arrays.fill(secret, (byte)(0x40 + algorithm.ordinal()));
        return new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.fixed(new GeneratorParameters(algorithm, secret))));
    }

    /**
     * What one verify call decided, in a form two placements can be compared by.
     */
    private record Result(
        VerifyOutcome outcome, DropReason dropReason, CookieCheck cookieCheck, String reply, HelloOracle.Hello decoded)
    {
        byte[] replyCookie()
        {
            final byte[] bytes = HexFormat.of().parseHex(reply);
            return Arrays.copyOfRange(bytes, 28, bytes.length);
        }
    }

    /**
     * A peer, drawn from the input's hash: an IPv4 one (as the sockets write it, IPv4-mapped) or an IPv6 one.
     */
    private record Source(PeerAddress peer)
    {
        static Source of(final int mix)
        {
            final UnsafeBuffer bytes = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
            final UnsafeBuffer address = new UnsafeBuffer(new byte[16]);
            for (int i = 0; i < 16; i++)
            {
                address.putByte(i, (byte)(mix >>> (i % 4 * 8) ^ i));
            }
            if ((mix & 1) == 0)
            {
                PeerAddress.encodeIpv4(bytes, 0, address, 0, (mix >>> 12) & 0xFFFF);
            }
            else
            {
                PeerAddress.encodeIpv6(bytes, 0, address, 0, (mix >>> 12) & 0xFFFF);
            }
            return new Source(new PeerAddress().wrap(bytes, 0));
        }

        Source otherPort()
        {
            return changed(PeerAddress.LENGTH - 1);
        }

        Source otherAddress()
        {
            return changed(PeerAddress.ADDRESS_LENGTH - 1);
        }

        private Source changed(final int index)
        {
            final UnsafeBuffer bytes = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
            peer.copyTo(bytes, 0);
            bytes.putByte(index, (byte)(bytes.getByte(index) ^ 1));
            return new Source(new PeerAddress().wrap(bytes, 0));
        }
    }
}
