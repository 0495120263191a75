package io.turnstile.verifier;

import io.turnstile.Captures;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class DtlsClientVerifierTest
{
    private DatagramChannel server;
    private DatagramChannel client;
    private InetSocketAddress clientAddress;

    @BeforeEach
    void before() throws IOException
    {
        server = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        clientAddress = (InetSocketAddress)client.getLocalAddress();
    }

    @AfterEach
    void after() throws IOException
    {
        server.close();
        client.close();
    }

    @Test
    void shouldSendHvrOverTheSocketAndVerifyTheHelloThatComesBack() throws IOException
    {
        final DtlsClientVerifier verifier = new DtlsClientVerifier();
        final byte[] first = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");

        assertFalse(verifier.verifyClient(server, first, clientAddress.getAddress(), clientAddress.getPort()));
        assertEquals(DtlsError.NO_ERROR, verifier.dtlsError());
        assertSame(VerifyOutcome.REPLY, verifier.lastOutcome());

        final ByteBuffer received = ByteBuffer.allocate(512);
        final InetSocketAddress from = (InetSocketAddress)client.receive(received);
        assertEquals(server.getLocalAddress(), from);
        received.flip();
        final byte[] hvr = new byte[received.remaining()];
        received.get(hvr);
        assertEquals(HelloVerifyRequestEncoder.encodedLength(21), hvr.length);
        final byte[] cookie = Arrays.copyOfRange(hvr, HelloVerifyRequestEncoder.COOKIE_OFFSET, hvr.length);

        final byte[] second = Captures.withSequence(Captures.withCookie(first, cookie), 1, 1);
        assertTrue(verifier.verifyClient(server, ByteBuffer.wrap(second), clientAddress));
        assertArrayEquals(second, verifier.verifiedHello());
        assertEquals("", verifier.dtlsErrorString());
    }

    @Test
    void shouldRefuseInvalidInputParametersAsQtDoes() throws IOException
    {
        final DtlsClientVerifier verifier = new DtlsClientVerifier();
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final InetAddress loopback = InetAddress.getLoopbackAddress();

        assertInvalid(verifier, verifier.verifyClient(server, hello, null, 4000));
        assertInvalid(verifier, verifier.verifyClient(server, new byte[0], loopback, 4000));
        assertInvalid(verifier, verifier.verifyClient(null, hello, loopback, 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, InetAddress.getByName("0.0.0.0"), 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, InetAddress.getByName("::"), 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, InetAddress.getByName("255.255.255.255"), 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, InetAddress.getByName("224.0.0.1"), 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, InetAddress.getByName("ff02::1"), 4000));
        assertInvalid(verifier, verifier.verifyClient(server, hello, loopback, 0));

        assertFalse(verifier.verifyClient(server, hello, loopback, clientAddress.getPort()));
        assertEquals(DtlsError.NO_ERROR, verifier.dtlsError(), "a good call clears the last error");
        assertSame(VerifyOutcome.REPLY, verifier.lastOutcome());
    }

    @Test
    void shouldReportSocketErrorWhenSendFails() throws IOException
    {
        final DtlsClientVerifier verifier = new DtlsClientVerifier();
        server.close();

        assertFalse(verifier.verifyClient(
            server, Captures.bytes("openssl-dtls12-ch1-nocookie.bin"), clientAddress.getAddress(), 4000));

        assertEquals(DtlsError.UNDERLYING_SOCKET_ERROR, verifier.dtlsError());
        assertTrue(verifier.dtlsErrorString().contains("HelloVerifyRequest"));
    }

    @Test
    void shouldDropGarbageWithoutErrorOrReply() throws IOException
    {
        final DtlsClientVerifier verifier = new DtlsClientVerifier();

        assertFalse(verifier.verifyClient(server, new byte[]{1, 2, 3}, clientAddress.getAddress(), 4000));

        assertEquals(DtlsError.NO_ERROR, verifier.dtlsError());
        assertSame(VerifyOutcome.DROP, verifier.lastOutcome());
        assertEquals(DropReason.RECORD_TOO_SHORT, verifier.underlyingVerifier().dropReason());
    }

    @Test
    void shouldSetAndReturnGeneratorParameters() throws IOException
    {
        final byte[] secret = "sixteen byte key plus a few more".getBytes();
        final GeneratorParameters parameters = new GeneratorParameters(MacAlgorithm.HMAC_SHA1, secret);
        final DtlsClientVerifier verifier = new DtlsClientVerifier();

        assertTrue(verifier.setCookieGeneratorParameters(parameters));

        assertEquals(parameters, verifier.cookieGeneratorParameters());
        assertArrayEquals(secret, verifier.cookieGeneratorParameters().secret());
        assertThrows(IllegalArgumentException.class, () -> verifier.setCookieGeneratorParameters(null));

        final byte[] first = Captures.bytes("bc-dtls12-bccrypto-ch1-nocookie.bin");
        assertFalse(verifier.verifyClient(server, first, clientAddress.getAddress(), clientAddress.getPort()));
        final ByteBuffer received = ByteBuffer.allocate(512);
        client.receive(received);
        assertEquals(HelloVerifyRequestEncoder.encodedLength(25), received.position(), "HMAC-SHA1 cookie is 25 bytes");
    }

    private static void assertInvalid(final DtlsClientVerifier verifier, final boolean result)
    {
        assertFalse(result);
        assertEquals(DtlsError.INVALID_INPUT_PARAMETERS, verifier.dtlsError());
        assertFalse(verifier.dtlsErrorString().isEmpty());
    }
}
