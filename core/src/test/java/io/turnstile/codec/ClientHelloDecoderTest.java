package io.turnstile.codec;

import io.turnstile.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientHelloDecoderTest
{
    private final ClientHelloDecoder decoder = new ClientHelloDecoder();

    @ParameterizedTest
    @FieldSource("io.turnstile.Captures#COOKIELESS")
    void shouldDecodeEveryCookielessCapture(final String name)
    {
        final byte[] bytes = Captures.bytes(name);
        final UnsafeBuffer buffer = Captures.offHeap(bytes);

        assertTrue(decoder.wrap(buffer, 0, bytes.length).decode(), () -> name + ": " + decoder.fault());
        assertEquals(0, decoder.cookieLength());
        assertEquals(0, decoder.recordSequenceNumber());
        assertEquals(0, decoder.messageSeq());
        assertEquals(DtlsRecordDecoder.DTLS_1_0, decoder.recordVersion());
        assertFalse(decoder.isFragmented());
        assertEquals(bytes.length, decoder.recordLength());
        assertEquals(0, decoder.sessionIdLength());
        assertTrue(decoder.cipherSuitesLength() >= 2 && decoder.cipherSuitesLength() % 2 == 0);
        assertEquals(1, decoder.compressionMethodsLength());
        assertTrue(decoder.extensionCount() > 0);
        assertEquals(
            decoder.compressionMethodsOffset() + decoder.compressionMethodsLength() + 2, decoder.extensionsOffset());
        assertEquals(bytes.length, decoder.extensionsOffset() + decoder.extensionsLength());
    }

    @ParameterizedTest
    @FieldSource("io.turnstile.Captures#WITH_FOREIGN_COOKIE")
    void shouldDecodeEveryCaptureWithACookie(final String name)
    {
        final byte[] bytes = Captures.bytes(name);
        final UnsafeBuffer buffer = Captures.offHeap(bytes);

        assertTrue(decoder.wrap(buffer, 0, bytes.length).decode(), () -> name + ": " + decoder.fault());
        assertEquals(32, decoder.cookieLength());
        assertEquals(1, decoder.recordSequenceNumber());
        assertEquals(1, decoder.messageSeq());
    }

    @Test
    void shouldDecodeOpenSslDtls12Fields()
    {
        final byte[] bytes = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        decoder.wrap(Captures.offHeap(bytes), 0, bytes.length);

        assertTrue(decoder.decode());
        assertEquals(DtlsRecordDecoder.DTLS_1_2, decoder.clientVersion());
        assertEquals(ClientHelloDecoder.BODY_OFFSET + 2, decoder.randomOffset());
        assertEquals(bytes.length - ClientHelloDecoder.BODY_OFFSET, decoder.messageLength());
        assertEquals(decoder.messageLength(), decoder.fragmentLength());
        assertTrue(decoder.findExtension(0x000d) > 0, "signature_algorithms present");
        assertEquals(-1, decoder.findExtension(0xfafa));
    }

    @Test
    void shouldDecodeDtls10ClientVersion()
    {
        final byte[] bytes = Captures.bytes("openssl-dtls10-ch1-nocookie.bin");

        assertTrue(decoder.wrap(Captures.offHeap(bytes), 0, bytes.length).decode());
        assertEquals(DtlsRecordDecoder.DTLS_1_0, decoder.clientVersion());
    }

    @Test
    void shouldDecodeFirstFragmentWhoseCookieFieldsAreInside()
    {
        final byte[] bytes = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");

        assertTrue(decoder.wrap(Captures.offHeap(bytes), 0, bytes.length).decode(), () -> "" + decoder.fault());
        assertTrue(decoder.isFragmented());
        assertEquals(212, decoder.messageLength());
        assertEquals(203, decoder.fragmentLength());
        assertEquals(32, decoder.cookieLength());
        assertEquals(-1, decoder.extensionsOffset());
    }

    @Test
    void shouldRejectLaterFragment()
    {
        final byte[] bytes = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag2.bin");

        assertFalse(decoder.wrap(Captures.offHeap(bytes), 0, bytes.length).decode());
        assertEquals(ClientHelloFault.NOT_FIRST_FRAGMENT, decoder.fault());
    }

    @Test
    void shouldRejectFirstFragmentEndingBeforeCompressionMethods()
    {
        final byte[] capture = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        assertTrue(decoder.wrap(Captures.offHeap(capture), 0, capture.length).decode());
        final int fragmentLength = decoder.cipherSuitesOffset() + 2 - ClientHelloDecoder.BODY_OFFSET; // cut in suites
        // The record ends with the shorter fragment: a record may hold nothing after its fragment.
        final byte[] bytes = java.util.Arrays.copyOf(capture, ClientHelloDecoder.BODY_OFFSET + fragmentLength);
        final int recordLength = bytes.length - DtlsRecordDecoder.HEADER_LENGTH;
        bytes[11] = (byte)(recordLength >>> 8);
        bytes[12] = (byte)recordLength;
        bytes[22] = 0;
        bytes[23] = (byte)(fragmentLength >>> 8);
        bytes[24] = (byte)fragmentLength;

        assertFalse(decoder.wrap(Captures.offHeap(bytes), 0, bytes.length).decode());
        assertEquals(ClientHelloFault.FRAGMENT_TOO_SHORT, decoder.fault());
    }

    @Test
    void shouldExamineOnlyTheFirstRecord()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] twoRecords = new byte[hello.length + 20];
        System.arraycopy(hello, 0, twoRecords, 0, hello.length);
        twoRecords[hello.length] = 23; // junk second record, never looked at

        assertTrue(decoder.wrap(Captures.offHeap(twoRecords), 0, twoRecords.length).decode());
        assertEquals(hello.length, decoder.recordLength());
    }

    @Test
    void shouldDecodeAtAnOffset()
    {
        final byte[] hello = Captures.bytes("bc-dtls12-bccrypto-ch1-nocookie.bin");
        final byte[] padded = new byte[hello.length + 100];
        System.arraycopy(hello, 0, padded, 37, hello.length);

        assertTrue(decoder.wrap(Captures.offHeap(padded), 37, hello.length).decode());
        assertEquals(37, decoder.recordOffset());
        assertEquals(37 + ClientHelloDecoder.BODY_OFFSET + 2, decoder.randomOffset());
    }

    @Test
    void shouldRejectEveryTruncation()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        for (int length = 0; length < hello.length; length++)
        {
            final byte[] cut = java.util.Arrays.copyOf(hello, length);
            assertFalse(decoder.wrap(Captures.offHeap(cut), 0, length).decode(), "length " + length);
            final ClientHelloFault expected = length < DtlsRecordDecoder.HEADER_LENGTH ?
                ClientHelloFault.RECORD_TOO_SHORT : ClientHelloFault.RECORD_TRUNCATED;
            assertEquals(expected, decoder.fault(), "length " + length);
        }
    }

    @Test
    void shouldRejectRecordHeaderFaults()
    {
        assertDrop(ClientHelloFault.NOT_HANDSHAKE, 0, (byte)23);
        assertDrop(ClientHelloFault.BAD_RECORD_VERSION, 1, (byte)0x03);
        assertDrop(ClientHelloFault.BAD_RECORD_VERSION, 2, (byte)0xFC);
        assertDrop(ClientHelloFault.NON_ZERO_EPOCH, 4, (byte)1);
        assertDrop(ClientHelloFault.RECORD_TRUNCATED, 11, (byte)0x7F);
        assertDrop(ClientHelloFault.NOT_CLIENT_HELLO, 13, (byte)2);
        assertDrop(ClientHelloFault.NOT_FIRST_FRAGMENT, 21, (byte)1);
        assertDrop(ClientHelloFault.BAD_FRAGMENT, 23, (byte)0x7F);
        assertDrop(ClientHelloFault.BAD_CLIENT_VERSION, 25, (byte)0x03);
        assertDrop(ClientHelloFault.BAD_CLIENT_VERSION, 26, (byte)0xFC);
    }

    @Test
    void shouldRejectBodyLengthFaults()
    {
        final int sessionIdAt = ClientHelloDecoder.BODY_OFFSET + 34;
        assertDrop(ClientHelloFault.MALFORMED_CLIENT_HELLO, sessionIdAt, (byte)33);
        assertDrop(ClientHelloFault.MALFORMED_CLIENT_HELLO, sessionIdAt + 1, (byte)200); // cookie runs off the end
        assertDrop(ClientHelloFault.MALFORMED_CLIENT_HELLO, sessionIdAt + 2, (byte)0xFF); // suites run off the end
        assertDrop(ClientHelloFault.MALFORMED_CLIENT_HELLO, sessionIdAt + 3, (byte)0x01); // odd suites length
    }

    @Test
    void shouldRejectDtls10CookieLongerThan32()
    {
        final byte[] hello = Captures.withCookie(Captures.bytes("openssl-dtls10-ch1-nocookie.bin"), new byte[33]);

        assertFalse(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode());
        assertEquals(ClientHelloFault.MALFORMED_CLIENT_HELLO, decoder.fault());
    }

    @Test
    void shouldAcceptDtls12CookieLongerThan32()
    {
        final byte[] hello = Captures.withCookie(Captures.bytes("openssl-dtls12-ch1-nocookie.bin"), new byte[255]);

        assertTrue(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode());
        assertEquals(255, decoder.cookieLength());
    }

    @Test
    void shouldRejectTrailingBytesAfterExtensions()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] longer = grow(hello, 1);

        assertFalse(decoder.wrap(Captures.offHeap(longer), 0, longer.length).decode());
        assertEquals(ClientHelloFault.MALFORMED_CLIENT_HELLO, decoder.fault());
    }

    @Test
    void shouldRejectExtensionRunningPastTheBlock()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode();
        final int firstExtension = decoder.extensionsOffset();
        hello[firstExtension + 2] = (byte)0x7F;

        assertFalse(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode());
        assertEquals(ClientHelloFault.MALFORMED_CLIENT_HELLO, decoder.fault());
    }

    @Test
    void shouldAcceptHelloWithoutExtensions()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode();
        final int end = decoder.compressionMethodsOffset() + decoder.compressionMethodsLength();
        final byte[] bare = grow(java.util.Arrays.copyOf(hello, end), 0);

        assertTrue(decoder.wrap(Captures.offHeap(bare), 0, bare.length).decode(), () -> "" + decoder.fault());
        assertEquals(-1, decoder.extensionsOffset());
        assertEquals(0, decoder.extensionCount());
    }

    @Test
    void shouldRejectBytesAfterTheHelloInItsRecord()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] trailing = withRecordTail(hello, 3);

        assertFalse(decoder.wrap(Captures.offHeap(trailing), 0, trailing.length).decode());
        assertEquals(ClientHelloFault.TRAILING_BYTES, decoder.fault());
    }

    @Test
    void shouldRejectBytesAfterAFirstFragmentInItsRecord()
    {
        final byte[] fragment = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        assertTrue(decoder.wrap(Captures.offHeap(fragment), 0, fragment.length).decode());
        assertTrue(decoder.isFragmented());
        final byte[] trailing = withRecordTail(fragment, 1);

        assertFalse(decoder.wrap(Captures.offHeap(trailing), 0, trailing.length).decode());
        assertEquals(ClientHelloFault.TRAILING_BYTES, decoder.fault());
    }

    @Test
    void shouldIgnoreALaterRecordInTheDatagram()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] twoRecords = java.util.Arrays.copyOf(hello, hello.length * 2);
        System.arraycopy(hello, 0, twoRecords, hello.length, hello.length);

        assertTrue(decoder.wrap(Captures.offHeap(twoRecords), 0, twoRecords.length).decode(),
            () -> "" + decoder.fault());
        assertEquals(hello.length, decoder.recordLength());
    }

    /**
     * Zero bytes appended inside the record, after the handshake fragment: record length grows, handshake lengths
     * stay.
     */
    private static byte[] withRecordTail(final byte[] record, final int extra)
    {
        final byte[] out = java.util.Arrays.copyOf(record, record.length + extra);
        final int recordLength = out.length - DtlsRecordDecoder.HEADER_LENGTH;
        out[11] = (byte)(recordLength >>> 8);
        out[12] = (byte)recordLength;
        return out;
    }

    private void assertDrop(final ClientHelloFault expected, final int index, final byte value)
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        hello[index] = value;
        assertFalse(decoder.wrap(Captures.offHeap(hello), 0, hello.length).decode(), "byte " + index);
        assertEquals(expected, decoder.fault(), "byte " + index);
    }

    /**
     * Add zero bytes to the end of a single-record hello and fix the record, message and fragment lengths.
     */
    private static byte[] grow(final byte[] hello, final int extra)
    {
        final byte[] out = java.util.Arrays.copyOf(hello, hello.length + extra);
        final int recordLength = out.length - DtlsRecordDecoder.HEADER_LENGTH;
        out[11] = (byte)(recordLength >>> 8);
        out[12] = (byte)recordLength;
        final int messageLength = out.length - ClientHelloDecoder.BODY_OFFSET;
        for (final int at : new int[]{14, 22})
        {
            out[at] = (byte)(messageLength >>> 16);
            out[at + 1] = (byte)(messageLength >>> 8);
            out[at + 2] = (byte)messageLength;
        }
        return out;
    }
}
