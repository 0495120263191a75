package io.turnstile.server.handshake;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * BouncyCastle requests from real cookie hellos; what BouncyCastle does with them (the ServerHello's sequence
 * numbers, a matching transcript) is checked on the wire by {@link PeerSessionTest} and {@link HandshakeHandoffTest}.
 */
class VerifiedRequestFactoryTest
{
    private final VerifiedRequestFactory factory = new VerifiedRequestFactory();

    @Test
    void shouldBuildRequestsFromCookieHellosOfEveryClient()
    {
        for (final String name : new String[]{ "openssl-dtls12-ch2-cookie.bin", "openssl-dtls10-ch2-cookie.bin",
            "bc-dtls12-bccrypto-ch2-cookie.bin", "bc-dtls12-jcacrypto-ch2-cookie.bin",
            "openssl-dtlsany-ch2-cookie.bin" })
        {
            final byte[] hello = Corpus.load(name);
            assertNotNull(factory.request(hello, 0, hello.length), name);
        }
    }

    @Test
    void shouldRefuseHellosWithoutCookie()
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch1-nocookie.bin");
        assertNull(factory.request(hello, 0, hello.length));
    }

    @Test
    void shouldRefuseFragmentsAndTruncatedHellos()
    {
        final byte[] fragment = Corpus.load("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        assertNull(factory.request(fragment, 0, fragment.length), "BouncyCastle takes whole hellos only");
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        assertNull(factory.request(hello, 0, hello.length - 1));
        assertNull(factory.request(hello, 0, 40));
    }

    @Test
    void shouldReadTheCookieWhereTheHelloPutsIt()
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final int sessionIdAt = 13 + 12 + 2 + 32;
        final int cookieAt = sessionIdAt + 1 + (hello[sessionIdAt] & 0xFF);
        final int cookieLength = hello[cookieAt] & 0xFF;
        assertArrayEquals(Arrays.copyOfRange(hello, cookieAt + 1, cookieAt + 1 + cookieLength),
            VerifiedRequestFactory.cookieOf(hello, 0, hello.length));
        assertNull(VerifiedRequestFactory.cookieOf(hello, 0, cookieAt), "cookie cut off");
    }
}
