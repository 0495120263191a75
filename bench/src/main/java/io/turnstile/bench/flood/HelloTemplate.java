package io.turnstile.bench.flood;

import io.turnstile.bench.Captures;
import io.turnstile.codec.ClientHelloDecoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A real ClientHello capture (from {@code core/src/test/resources/corpus}, in the benchmark jar as {@code corpus/})
 * that a flood sends over and over with its 32-byte random re-drawn each time, so every packet is a distinct,
 * well-formed first flight that a server must parse and answer.
 * <p>
 * The capture is checked with core's {@link ClientHelloDecoder} when loaded: a template the server would drop as
 * malformed would measure the wrong path.
 */
final class HelloTemplate
{
    /** The default: OpenSSL 3 {@code s_client -dtls1_2}'s first hello, 205 bytes, no cookie. */
    static final String DEFAULT_NAME = "openssl-dtls12-ch1-nocookie.bin";
    /** The cookie-less first hellos in the corpus, for help texts. */
    static final String[] FIRST_HELLOS = {
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin",
    };

    private final String name;
    private final byte[] bytes;
    private final int randomOffset;
    private final boolean hasCookie;

    private HelloTemplate(final String name, final byte[] bytes, final int randomOffset, final boolean hasCookie)
    {
        this.name = name;
        this.bytes = bytes;
        this.randomOffset = randomOffset;
        this.hasCookie = hasCookie;
    }

    /**
     * Load and check a capture from the class path.
     *
     * @param name file name in {@code corpus/}, e.g. {@value #DEFAULT_NAME}.
     * @return the template.
     * @throws IllegalArgumentException when there is no such capture or it is not a well-formed ClientHello.
     */
    static HelloTemplate load(final String name)
    {
        if (name.isEmpty() || name.contains("/") || name.contains(".."))
        {
            throw new IllegalArgumentException("template must be a file name in the corpus, got '" + name + "'");
        }
        final byte[] bytes = Captures.find(name);
        if (null == bytes)
        {
            throw new IllegalArgumentException(
                "no capture '" + name + "' in corpus/ on the class path; first hellos: " +
                String.join(", ", FIRST_HELLOS));
        }
        final ClientHelloDecoder decoder = new ClientHelloDecoder().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        if (!decoder.decode())
        {
            throw new IllegalArgumentException(
                "capture '" + name + "' is not a well-formed ClientHello: " + decoder.fault());
        }
        return new HelloTemplate(name, bytes, decoder.randomOffset(), decoder.cookieLength() > 0);
    }

    /**
     * The capture's file name.
     *
     * @return e.g. {@value #DEFAULT_NAME}.
     */
    String name()
    {
        return name;
    }

    /**
     * The datagram as captured.
     *
     * @return a copy.
     */
    byte[] bytes()
    {
        return bytes.clone();
    }

    /**
     * Datagram length.
     *
     * @return bytes.
     */
    int length()
    {
        return bytes.length;
    }

    /**
     * Where the 32-byte random starts in the datagram.
     *
     * @return offset from the start of the record.
     */
    int randomOffset()
    {
        return randomOffset;
    }

    /**
     * Whether the capture carries a cookie (a second flight): a server checks it instead of answering with an HVR.
     *
     * @return true for a hello with a non-empty cookie.
     */
    boolean hasCookie()
    {
        return hasCookie;
    }
}
