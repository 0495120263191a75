package io.turnstile.tools.load;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.ClientHelloEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The legit clients' template: a cookie-less single unfragmented record, which the encoder turns into a first hello.
 * The cookie hello is {@code ClientHelloEncoderTest}'s, in core.
 */
class LegitClientsTemplateTest
{
    private final byte[] template = LegitClients.template("openssl-dtls12-ch1-nocookie.bin");
    private final ClientHelloDecoder decoder = new ClientHelloDecoder();
    private final byte[] random = new byte[32];

    LegitClientsTemplateTest()
    {
        Arrays.fill(random, (byte)0x5A);
    }

    @Test
    void shouldWriteAFirstHelloWithTheGivenRandomAndSequenceNumbers()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
        buffer.putBytes(0, template);
        new ClientHelloEncoder().wrap(buffer, 0).random(new UnsafeBuffer(random), 0).recordSequenceNumber(0);

        assertTrue(decoder.wrap(buffer, 0, template.length).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(template.length, decoder.recordLength());
        assertEquals(0, decoder.recordSequenceNumber());
        assertEquals(0, decoder.messageSeq());
        assertEquals(0, decoder.cookieLength());
        final byte[] written = new byte[32];
        buffer.getBytes(decoder.randomOffset(), written);
        assertArrayEquals(random, written);
    }

    @Test
    void shouldRefuseATemplateThatAlreadyCarriesACookie()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> LegitClients.template("openssl-dtls12-ch2-cookie.bin"));
        assertTrue(ex.getMessage().contains("without a cookie"), ex.getMessage());
    }

    @Test
    void shouldRefuseAFragmentedTemplate()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> LegitClients.template("openssl-dtls12-mtu256-ch2-cookie-frag1.bin"));
        assertTrue(ex.getMessage().contains("unfragmented"), ex.getMessage());
    }

    @Test
    void shouldRefuseAMissingTemplateByName()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> LegitClients.template("missing.bin"));
        assertTrue(ex.getMessage().contains("missing.bin"), ex.getMessage());
    }
}
