package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSVerifier;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.crypto.TlsHMAC;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Turns a ClientHello that Turnstile has already verified into BouncyCastle's {@link DTLSRequest}, so that
 * {@link DTLSServerProtocol#accept(org.bouncycastle.tls.TlsServer, org.bouncycastle.tls.DatagramTransport,
 * DTLSRequest)} starts with RFC 6347 section 4.2.1 sequence continuity, using only BouncyCastle's public API.
 * <p>
 * What BouncyCastle 1.84 does with a request: {@code DTLSReliableHandshake} sets the epoch-0 write sequence number to
 * the hello's record sequence number (so the ServerHello record repeats it), puts the hello in the transcript as its
 * bytes stand, marks its message_seq as received and sends its own first message with message_seq 1 (it assumes the
 * HelloVerifyRequest took 0). The first ClientHello and the HVR never reach BouncyCastle, so they stay out of the
 * transcript. {@code DTLSRequest}'s constructor is package-private; only {@link DTLSVerifier#verifyRequest} makes one,
 * and only when the hello's cookie equals the MAC its {@code TlsCrypto} computes.
 * <p>
 * How: the verifier here runs over a {@link BcTlsCrypto} whose {@code createHMAC} returns a "MAC" that yields the
 * cookie the hello already carries, the cookie Turnstile checked. {@code verifyRequest} then parses the hello exactly
 * as it would its own, finds the cookie equal and returns the request. No crypto runs; the hello's bytes are not
 * changed, so the transcript BouncyCastle hashes is the one the client hashes.
 * <p>
 * Rejected alternative: asking a real {@code DTLSVerifier} for its own cookie and splicing it into the hello in
 * place of Turnstile's. BouncyCastle hashes the request's message as its first transcript entry, so the transcript
 * would hold BouncyCastle's cookie while the client's holds Turnstile's, and the Finished messages would not match.
 * <p>
 * <b>Note:</b> this factory accepts any well-formed hello with a non-empty cookie: it is a trust boundary and must only
 * be given hellos the {@code ClientHelloVerifier} said VERIFIED for the peer the session belongs to.
 */
public final class VerifiedRequestFactory
{
    private static final int RECORD_HEADER_LENGTH = 13;
    private static final int HANDSHAKE_HEADER_LENGTH = 12;
    private static final int RANDOM_LENGTH = 32;
    private static final byte[] NO_CLIENT_ID = new byte[0];
    private static final DatagramSender NEVER_SEND = new DatagramSender()
    {
        @Override
        public int getSendLimit()
        {
            return 0;
        }

        @Override
        public void send(final byte[] buf, final int off, final int len) throws IOException
        {
            // verifyRequest swallows this and returns null: the cookie did not match, which cannot happen here.
            throw new IOException("a verified hello never needs a HelloVerifyRequest");
        }
    };

    private final DTLSVerifier verifier;
    private byte[] expectedCookie;

    /**
     * A factory; share one between handshake threads (requests are built under its lock, without crypto).
     */
    public VerifiedRequestFactory()
    {
        this.verifier = new DTLSVerifier(new VerifiedCookieCrypto(this));
    }

    /**
     * The request for one verified, unfragmented ClientHello record.
     *
     * @param record buffer holding the DTLSPlaintext record (header included) of the hello.
     * @param offset of the record.
     * @param length of the record.
     * @return the request, or null when the record is not a whole, well-formed ClientHello with a cookie.
     */
    public synchronized DTLSRequest request(final byte[] record, final int offset, final int length)
    {
        final byte[] cookie = cookieOf(record, offset, length);
        if (null == cookie || cookie.length == 0)
        {
            return null;
        }
        expectedCookie = cookie;
        try
        {
            return verifier.verifyRequest(NO_CLIENT_ID, record, offset, length, NEVER_SEND);
        }
        finally
        {
            expectedCookie = null;
        }
    }

    private synchronized byte[] expectedCookie()
    {
        return expectedCookie;
    }

    /**
     * The cookie of a ClientHello record, bounds checked against the record.
     *
     * @param record buffer.
     * @param offset of the record.
     * @param length of the record.
     * @return a copy of the cookie, or null when the fields before it do not fit.
     */
    static byte[] cookieOf(final byte[] record, final int offset, final int length)
    {
        final int end = offset + length;
        int at = offset + RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + 2 + RANDOM_LENGTH;
        if (offset < 0 || length < 0 || end > record.length || at >= end)
        {
            return null;
        }
        final int sessionIdLength = record[at] & 0xFF;
        at += 1 + sessionIdLength;
        if (at >= end)
        {
            return null;
        }
        final int cookieLength = record[at] & 0xFF;
        at += 1;
        if (at + cookieLength > end)
        {
            return null;
        }
        return Arrays.copyOfRange(record, at, at + cookieLength);
    }

    /**
     * Crypto for the {@link DTLSVerifier} only: its HMAC answers with the cookie already verified.
     */
    private static final class VerifiedCookieCrypto extends BcTlsCrypto
    {
        private final VerifiedRequestFactory factory;

        VerifiedCookieCrypto(final VerifiedRequestFactory factory)
        {
            super(new SecureRandom());
            this.factory = factory;
        }

        @Override
        public TlsHMAC createHMAC(final int macAlgorithm)
        {
            final byte[] cookie = factory.expectedCookie();
            if (null == cookie)
            {
                throw new IllegalStateException(
                    "the verifier's MAC is only used inside VerifiedRequestFactory.request");
            }
            return new VerifiedCookieMac(cookie);
        }
    }

    /**
     * A MAC that ignores its input and yields a fixed, already verified cookie.
     */
    private static final class VerifiedCookieMac implements TlsHMAC
    {
        private final byte[] cookie;

        VerifiedCookieMac(final byte[] cookie)
        {
            this.cookie = cookie;
        }

        @Override
        public void setKey(final byte[] key, final int keyOff, final int keyLen)
        {
        }

        @Override
        public void update(final byte[] input, final int inOff, final int length)
        {
        }

        @Override
        public byte[] calculateMAC()
        {
            return cookie.clone();
        }

        @Override
        public void calculateMAC(final byte[] output, final int outOff)
        {
            System.arraycopy(cookie, 0, output, outOff, cookie.length);
        }

        @Override
        public int getMacLength()
        {
            return cookie.length;
        }

        @Override
        public void reset()
        {
        }

        @Override
        public int getInternalBlockSize()
        {
            return 64;
        }
    }
}
