/**
 * <b>API</b> for applications that run their own BouncyCastle DTLS server behind Turnstile's front door.
 * <p>
 * Extend {@link io.turnstile.server.dtls.TurnstileDtlsServer} with your credentials; it carries the interop defaults
 * every standard-conforming DTLS 1.2 client needs (no renegotiation indication required unless configured, only key
 * exchange groups that really work, in the server's order, AES-CCM suites), DTLS-SRTP (RFC 5764:
 * {@link io.turnstile.server.dtls.SrtpPolicy}, {@link io.turnstile.server.dtls.SrtpProfile},
 * {@link io.turnstile.server.dtls.SrtpKeyingMaterial}), client certificates decided by the application
 * ({@link io.turnstile.server.dtls.ClientCertificateCheck}, {@link io.turnstile.server.dtls.CertificateFingerprint}),
 * failure causes and a completion callback ({@link io.turnstile.server.dtls.HandshakeListener},
 * {@link io.turnstile.server.dtls.CompletedHandshake}). One {@link io.turnstile.server.dtls.TurnstileDtlsServer.Context}
 * is shared by all handshakes; each handshake gets a new server.
 * <pre>{@code
 * TurnstileDtlsServer.Context config = new TurnstileDtlsServer.Context()
 *     .cipherSuites(TurnstileDtlsServer.ecdsaSuites())
 *     .srtp(SrtpPolicy.parse("SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_HMAC_SHA1_80").required(true))
 *     .clientCertificates(CertificateFingerprint.parse(fingerprintFromSdp))
 *     .listener(done -> media.start(done.srtpKeyingMaterial()))
 *     .conclude();
 * TlsServer server = new TurnstileDtlsServer(config)
 * {
 *     protected TlsCredentialedSigner getECDSASignerCredentials() { return mySigner(context); }
 * };
 * }</pre>
 * {@code io.turnstile.server.handshake.ServerCredentials} builds the servers {@code turnstile serve --echo} runs on this
 * base.
 */
package io.turnstile.server.dtls;
