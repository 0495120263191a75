package io.turnstile.codec;

import io.turnstile.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HelloVerifyRequestEncoderTest
{
    @Test
    void shouldEncodeByteExactHelloVerifyRequest()
    {
        final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final UnsafeBuffer cookie = new UnsafeBuffer(Captures.hex("0102030405"));

        final int length = new HelloVerifyRequestEncoder().wrap(out, 7).encode(0x0000_1234_5678_9ABCL, cookie, 0, 5);

        final byte[] expected = Captures.hex(
            "16 feff 0000 123456789abc 0014" +     // record: handshake, DTLS 1.0, epoch 0, the hello's seq, 20 bytes
            "03 000008 0000 000000 000008" +       // hello_verify_request, length 8, message_seq 0, unfragmented
            "feff 05 0102030405");                 // server_version DTLS 1.0, cookie
        assertEquals(expected.length, length);
        assertEquals(HelloVerifyRequestEncoder.encodedLength(5), length);
        final byte[] actual = new byte[length];
        out.getBytes(7, actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    void shouldDecodeItsOwnOutputAsAHandshakeRecord()
    {
        final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final HelloVerifyRequestEncoder encoder = new HelloVerifyRequestEncoder().wrap(out, 0);
        final int length = encoder.encodeHeader(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER, 32);

        final DtlsRecordDecoder record = new DtlsRecordDecoder().wrap(out, 0);
        final HandshakeHeaderDecoder handshake = new HandshakeHeaderDecoder().wrap(out, DtlsRecordDecoder.HEADER_LENGTH);
        assertEquals(60, length);
        assertEquals(DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE, record.contentType());
        assertEquals(DtlsRecordDecoder.DTLS_1_0, record.version());
        assertEquals(0, record.epoch());
        assertEquals(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER, record.sequenceNumber());
        assertEquals(length - DtlsRecordDecoder.HEADER_LENGTH, record.length());
        assertEquals(HandshakeHeaderDecoder.HELLO_VERIFY_REQUEST, handshake.msgType());
        assertEquals(35, handshake.length());
        assertEquals(0, handshake.messageSeq());
        assertEquals(0, handshake.fragmentOffset());
        assertEquals(35, handshake.fragmentLength());
        assertEquals(HelloVerifyRequestEncoder.COOKIE_OFFSET, encoder.cookieOffset());
        assertEquals(32, out.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET));
    }
}
