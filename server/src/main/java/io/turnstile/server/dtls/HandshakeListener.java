package io.turnstile.server.dtls;

/**
 * Told of every handshake a {@link TurnstileDtlsServer} completes, on the handshake's thread, before the
 * {@code DTLSTransport} is handed back: where an application takes its SRTP keys, notes the negotiated parameters or the
 * client's certificate.
 */
@FunctionalInterface
public interface HandshakeListener
{
    /**
     * A handshake completed.
     *
     * @param handshake what was negotiated; valid after the call (keep it if needed).
     * @throws java.io.IOException to fail the handshake after all (the server sends internal_error).
     */
    void onHandshakeComplete(CompletedHandshake handshake) throws java.io.IOException;
}
