package io.turnstile.bench.load;

import java.net.InetSocketAddress;
import io.turnstile.codec.PeerAddress;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientHelloTemplateTest
{
    private final ClientHelloTemplate template = ClientHelloTemplate.load(ClientHelloTemplate.DEFAULT_TEMPLATE);
    private final ClientHelloDecoder decoder = new ClientHelloDecoder();
    private final byte[] random = new byte[32];

    ClientHelloTemplateTest()
    {
        Arrays.fill(random, (byte)0x5A);
    }

    @Test
    void shouldWriteAFirstHelloWithTheGivenRandomAndSequenceNumbers()
    {
        final ByteBuffer hello = ByteBuffer.allocateDirect(512);
        template.writeFirstHello(random, 0, hello);
        final UnsafeBuffer buffer = new UnsafeBuffer(hello);

        assertTrue(decoder.wrap(buffer, 0, hello.limit()).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(template.length(), hello.limit());
        assertEquals(0, decoder.recordSequenceNumber());
        assertEquals(0, decoder.messageSeq());
        assertEquals(0, decoder.cookieLength());
        final byte[] written = new byte[32];
        buffer.getBytes(decoder.randomOffset(), written);
        assertArrayEquals(random, written);
    }

    @Test
    void shouldWriteACookieHelloThatTheVerifierAccepts()
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final UnsafeBuffer hvr = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final ByteBuffer hello = ByteBuffer.allocateDirect(512);
        final long nowMs = System.currentTimeMillis();
        template.writeFirstHello(random, 0, hello);
        assertEquals(VerifyOutcome.REPLY, verifier.verify(
            new UnsafeBuffer(hello), 0, hello.limit(), PeerAddress.of(new InetSocketAddress("127.0.0.2", 5000)), nowMs, hvr, 0, hvr.capacity()));
        final HelloVerifyRequestParser parser = new HelloVerifyRequestParser();
        assertTrue(parser.wrap(hvr, 0, verifier.replyLength()).parse());

        template.writeCookieHello(random, 1, hvr, parser.cookieOffset(), parser.cookieLength(), hello);
        final UnsafeBuffer buffer = new UnsafeBuffer(hello);
        assertEquals(template.length() + parser.cookieLength(), hello.limit());
        assertTrue(decoder.wrap(buffer, 0, hello.limit()).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(1, decoder.recordSequenceNumber());
        assertEquals(1, decoder.messageSeq());
        assertEquals(parser.cookieLength(), decoder.cookieLength());
        assertFalse(decoder.isFragmented());

        assertEquals(VerifyOutcome.VERIFIED, verifier.verify(
            buffer, 0, hello.limit(), PeerAddress.of(new InetSocketAddress("127.0.0.2", 5000)), nowMs, hvr, 0, hvr.capacity()));
        assertEquals(VerifyOutcome.REPLY, verifier.verify(
            buffer, 0, hello.limit(), PeerAddress.of(new InetSocketAddress("127.0.0.2", 5001)), nowMs, hvr, 0, hvr.capacity()),
            "the cookie binds the port: another port gets a fresh HVR");
    }

    @Test
    void shouldRefuseATemplateThatAlreadyCarriesACookie()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> ClientHelloTemplate.load("openssl-dtls12-ch2-cookie.bin"));
        assertTrue(ex.getMessage().contains("without a cookie"), ex.getMessage());
    }

    @Test
    void shouldRefuseAFragmentedTemplate()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> ClientHelloTemplate.load("openssl-dtls12-mtu256-ch2-cookie-frag1.bin"));
        assertTrue(ex.getMessage().contains("unfragmented"), ex.getMessage());
    }

    @Test
    void shouldRefuseAMissingTemplateByName()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> ClientHelloTemplate.load("missing.bin"));
        assertTrue(ex.getMessage().contains("missing.bin"), ex.getMessage());
    }
}
