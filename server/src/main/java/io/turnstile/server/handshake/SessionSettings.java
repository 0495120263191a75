package io.turnstile.server.handshake;

/**
 * What every session needs to know of the configuration, taken once by the table from its concluded context, so that
 * a {@link PeerSession} depends on these values and not on the table: PeerSession, SessionSettings and SessionEvents
 * know nothing of SessionTable or SessionConductor.
 *
 * @param credentials                what the echo server proves itself with (null with a server factory).
 * @param serverFactory              the application's server per peer, or null for the credentials' server.
 * @param sessionHandler             what runs once established, or null for the echo loop.
 * @param requestFactory             builds BouncyCastle's request from the verified hello.
 * @param helloWaitMillis            wait for a fragmented hello's tail.
 * @param handshakeTimeoutMillis     time from verification to a completed handshake.
 * @param idleTimeoutMillis          time an established session may hear nothing.
 * @param requireSecureRenegotiation refuse clients without an RFC 5746 indication.
 */
public record SessionSettings(
    ServerCredentials credentials,
    TlsServerFactory serverFactory,
    SessionHandler sessionHandler,
    VerifiedRequestFactory requestFactory,
    int helloWaitMillis,
    int handshakeTimeoutMillis,
    int idleTimeoutMillis,
    boolean requireSecureRenegotiation)
{
}
