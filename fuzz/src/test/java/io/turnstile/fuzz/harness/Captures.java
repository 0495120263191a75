package io.turnstile.fuzz.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The real ClientHello captures of {@code shared/corpus}, copied into {@code src/test/resources/corpus}: what the
 * structure-aware fuzzers start from.
 */
public final class Captures
{
    /** Every whole (unfragmented) single-record hello, cookie-less or carrying another responder's cookie. */
    public static final List<String> WHOLE = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls12-ch2-cookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtls10-ch2-cookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtlsany-ch2-cookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch2-cookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch2-cookie.bin");

    /** The first fragment of the 212-byte hello {@code openssl s_client -mtu 256} sent. */
    public static final String FRAGMENT_0 = "openssl-dtls12-mtu256-ch2-cookie-frag1.bin";
    /** Its tail fragment. */
    public static final String FRAGMENT_1 = "openssl-dtls12-mtu256-ch2-cookie-frag2.bin";

    private static final byte[][] WHOLE_BYTES = WHOLE.stream().map(Captures::load).toArray(byte[][]::new);

    private Captures()
    {
    }

    /**
     * One of {@link #WHOLE}, by index modulo their number.
     *
     * @param index any non-negative number.
     * @return a fresh copy of the capture.
     */
    public static byte[] whole(final int index)
    {
        return WHOLE_BYTES[index % WHOLE_BYTES.length].clone();
    }

    /**
     * Read a capture.
     *
     * @param name file name.
     * @return its bytes.
     */
    public static byte[] load(final String name)
    {
        try (InputStream in = Captures.class.getResourceAsStream("/corpus/" + name))
        {
            if (null == in)
            {
                throw new IllegalArgumentException("no capture " + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
