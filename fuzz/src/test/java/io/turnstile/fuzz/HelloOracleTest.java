package io.turnstile.fuzz;

import io.turnstile.fuzz.harness.Captures;
import io.turnstile.fuzz.harness.Hellos;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle the fuzzers trust, checked on the real captures and on one hand-made violation of each rule.
 */
class HelloOracleTest
{
    private static final byte[] DTLS12 = Captures.load("openssl-dtls12-ch1-nocookie.bin");
    private static final byte[] DTLS10 = Captures.load("openssl-dtls10-ch1-nocookie.bin");
    private static final int BODY = 25;

    private final HelloOracle oracle = new HelloOracle();

    @Test
    void shouldAcceptEveryRealWholeHelloAndTheRealFirstFragment()
    {
        for (final String name : Captures.WHOLE)
        {
            final HelloOracle.Hello hello = oracle.parse(Captures.load(name));
            assertNotNull(hello, name);
            assertFalse(hello.fragmented(), name);
        }
        final HelloOracle.Hello fragment = oracle.parse(Captures.load(Captures.FRAGMENT_0));
        assertNotNull(fragment);
        assertTrue(fragment.fragmented());
        assertEquals(212, fragment.messageLength());
        assertEquals(203, fragment.fragmentLength());
        assertEquals(32, fragment.cookieLength());
        assertEquals(-1, fragment.extensionsAt(), "a fragment's extensions are not examined");
        assertNull(oracle.parse(Captures.load(Captures.FRAGMENT_1)), "a tail fragment is not a hello to answer");
    }

    @Test
    void shouldFindTheFieldsOfARealHello()
    {
        final HelloOracle.Hello hello = oracle.parse(DTLS12);
        assertEquals(0, hello.recordSequenceNumber());
        assertEquals(HelloOracle.DTLS_1_0, hello.recordVersion());
        assertEquals(DTLS12.length, hello.recordLength());
        assertEquals(HelloOracle.DTLS_1_2, hello.clientVersion());
        assertEquals(BODY + 2 + 32 + 1, hello.sessionIdAt());
        assertEquals(0, hello.sessionIdLength());
        assertEquals(0, hello.cookieLength());
        assertEquals(0x38, hello.suitesLength());
        assertEquals(1, hello.compressionLength());
        assertEquals(DTLS12.length, hello.extensionsAt() + hello.extensionsLength());
        assertEquals(6, hello.extensionCount());
    }

    @Test
    void shouldReadOnlyTheFirstRecord()
    {
        final byte[] twoRecords = Arrays.copyOf(DTLS12, DTLS12.length + 5);
        assertNotNull(oracle.parse(twoRecords), "bytes after the first record are another record's");
        assertNotNull(oracle.parse(concat(new byte[3], DTLS12), 3, DTLS12.length), "at an offset");
        assertNull(oracle.parse(DTLS12, 0, DTLS12.length - 1), "the record runs past the datagram");
    }

    @Test
    void shouldRefuseEachViolationOfTheRecordAndHandshakeHeaders()
    {
        refuses(DTLS12, d -> d[0] = 23, "content type");
        refuses(DTLS12, d -> d[2] = (byte)0xFE, "record version 0xfefe");
        refuses(DTLS12, d -> d[1] = 3, "TLS record version");
        refuses(DTLS12, d -> d[4] = 1, "epoch 1");
        refuses(DTLS12, d -> d[13] = 2, "msg_type server_hello");
        refuses(DTLS12, d -> d[21] = 1, "fragment_offset 1");
        refuses(DTLS12, d -> Hellos.putUnsigned(d, 22, 3, Hellos.unsigned(d, 14, 3) + 1), "fragment_length > length");
        refuses(DTLS12, d -> d[18] = 4, "message_seq 4");
        accepts(DTLS12, d -> d[18] = 3, "message_seq 3");
        refuses(new byte[12], d -> { }, "shorter than a record header");
    }

    @Test
    void shouldRefuseEachMalformedBodyField()
    {
        refuses(DTLS12, d -> d[BODY + 1] = (byte)0xFC, "client_version 0xfefc");
        refuses(DTLS12, d -> d[BODY] = 3, "TLS client_version");
        refuses(DTLS12, d -> d[BODY + 34] = 33, "session_id of 33");
        refuses(DTLS12, d -> d[BODY + 37] ^= 1, "odd cipher_suites length");
        refuses(DTLS12, d -> d[BODY + 38 + 0x38] = 0, "no compression method");
        final HelloOracle.Hello hello = oracle.parse(DTLS12);
        refuses(DTLS12, d -> d[hello.extensionsAt() - 1] ^= 1, "extensions block length");
        refuses(DTLS12, d -> Hellos.putUnsigned(d, hello.extensionsAt() + 2, 2, 0xFFFF), "an extension past the block");
        accepts(DTLS12, d -> d[BODY + 34] = 0, "session_id of 0, as captured");
        refuses(Arrays.copyOf(DTLS12, 25 + 2 + 32), d -> fixLengths(d, 2 + 32), "truncated before session_id");
    }

    @Test
    void shouldBoundTheCookieByTheClientVersion()
    {
        final HelloOracle.Hello dtls10 = oracle.parse(DTLS10);
        final HelloOracle.Hello dtls12 = oracle.parse(DTLS12);
        assertNotNull(oracle.parse(Hellos.withCookie(DTLS10, dtls10, new byte[32])), "DTLS 1.0 cookie of 32");
        assertNull(oracle.parse(Hellos.withCookie(DTLS10, dtls10, new byte[33])), "DTLS 1.0 cookie of 33");
        assertNotNull(oracle.parse(Hellos.withCookie(DTLS12, dtls12, new byte[255])), "DTLS 1.2 cookie of 255");
    }

    @Test
    void shouldApplyTheHelloLengthLimitToFirstFragments()
    {
        final byte[] fragment = Captures.load(Captures.FRAGMENT_0);
        final byte[] atLimit = fragment.clone();
        Hellos.putUnsigned(atLimit, 14, 3, HelloOracle.DEFAULT_MAX_HELLO_LENGTH);
        assertNotNull(oracle.parse(atLimit));
        final byte[] overLimit = fragment.clone();
        Hellos.putUnsigned(overLimit, 14, 3, HelloOracle.DEFAULT_MAX_HELLO_LENGTH + 1);
        assertNull(oracle.parse(overLimit), "hello_too_long");
        assertNotNull(new HelloOracle(Integer.MAX_VALUE, true).parse(overLimit), "without the limit");
    }

    @Test
    void shouldRefuseBytesAfterTheHelloOrItsFirstFragmentInItsRecord()
    {
        final byte[] trailing = Arrays.copyOf(DTLS12, DTLS12.length + 1);
        Hellos.putUnsigned(trailing, 11, 2, Hellos.unsigned(trailing, 11, 2) + 1);
        assertNull(oracle.parse(trailing));
        assertNotNull(new HelloOracle(HelloOracle.DEFAULT_MAX_HELLO_LENGTH, false).parse(trailing), "without the rule");

        final byte[] fragment = Captures.load(Captures.FRAGMENT_0);
        final byte[] fragmentTrailing = Arrays.copyOf(fragment, fragment.length + 1);
        Hellos.putUnsigned(fragmentTrailing, 11, 2, Hellos.unsigned(fragment, 11, 2) + 1);
        assertNull(oracle.parse(fragmentTrailing), "as the decoder on main: after a first fragment too");
        assertNotNull(new HelloOracle(HelloOracle.DEFAULT_MAX_HELLO_LENGTH, false).parse(fragmentTrailing));
    }

    @Test
    void shouldRecogniseAHelloVerifyRequestForTheHello()
    {
        final HelloOracle.Hello hello = oracle.parse(DTLS12);
        final byte[] hvr = HexFormat.of().parseHex(
            "16feff000000000000000000" + "23" + "030000170000000000000017" + "feff" + "14" + "00".repeat(20));
        assertNull(HelloOracle.checkHelloVerifyRequest(hvr, 0, hvr.length, hello));
        final byte[] wrongSequence = hvr.clone();
        wrongSequence[10] = 1;
        assertNotNull(HelloOracle.checkHelloVerifyRequest(wrongSequence, 0, hvr.length, hello));
        final byte[] longCookie = HexFormat.of().parseHex(
            "16feff000000000000000000" + "30" + "030000240000000000000024" + "feff" + "21" + "00".repeat(33));
        assertNotNull(HelloOracle.checkHelloVerifyRequest(longCookie, 0, longCookie.length, hello));
        assertNotNull(HelloOracle.checkHelloVerifyRequest(hvr, 0, hvr.length - 1, hello));
    }

    private void refuses(final byte[] original, final Consumer<byte[]> edit, final String what)
    {
        final byte[] datagram = original.clone();
        edit.accept(datagram);
        assertNull(oracle.parse(datagram), what);
    }

    private void accepts(final byte[] original, final Consumer<byte[]> edit, final String what)
    {
        final byte[] datagram = original.clone();
        edit.accept(datagram);
        assertNotNull(oracle.parse(datagram), what);
    }

    private static void fixLengths(final byte[] datagram, final int bodyLength)
    {
        Hellos.putUnsigned(datagram, 11, 2, 12 + bodyLength);
        Hellos.putUnsigned(datagram, 14, 3, bodyLength);
        Hellos.putUnsigned(datagram, 22, 3, bodyLength);
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
