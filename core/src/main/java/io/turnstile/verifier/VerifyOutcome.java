package io.turnstile.verifier;

/**
 * What {@link ClientHelloVerifier#verify} decided for a datagram.
 */
public enum VerifyOutcome
{
    /** The hello carries a valid cookie: the peer owns its address and may start a handshake. */
    VERIFIED,
    /** A HelloVerifyRequest was written into the reply buffer: send it to the peer. */
    REPLY,
    /** Nothing to send and nothing to keep; {@link ClientHelloVerifier#dropReason()} says why. */
    DROP
}
