package io.turnstile.server.dtls;

import org.bouncycastle.tls.Certificate;

import java.io.IOException;

/**
 * The application's decision on a client's certificate chain. Configured on a {@link TurnstileDtlsServer.Context},
 * it makes the server send a CertificateRequest (certificate suites only: RFC 4279 has none for PSK) and call
 * {@link #accept} with the chain the client sent, leaf first, after BouncyCastle has checked that the client holds the
 * leaf's private key (CertificateVerify). Trust is the application's: WebRTC, for instance, pins the leaf by the
 * SHA-256 fingerprint exchanged in signalling ({@link CertificateFingerprint}), self-signed certificates included.
 * <p>
 * A refused chain ends the handshake with bad_certificate; an empty one (the client has no certificate) with
 * handshake_failure (RFC 5246 section 7.4.6), whatever this check would say.
 */
@FunctionalInterface
public interface ClientCertificateCheck
{
    /**
     * Decide on a chain; called on the handshake's thread.
     *
     * @param chain the client's chain, leaf first, never empty.
     * @return true to continue the handshake, false to end it with bad_certificate.
     * @throws IOException to end it with the exception's alert ({@code TlsFatalAlert}) or internal_error.
     */
    boolean accept(Certificate chain) throws IOException;
}
