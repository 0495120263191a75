package io.turnstile.verifier;

/**
 * Errors {@link DtlsClientVerifier} reports, named as Qt's {@code QDtlsError} for people porting from
 * {@code QDtlsClientVerifier}.
 */
public enum DtlsError
{
    /** No error. */
    NO_ERROR,
    /** A null, wildcard, broadcast or multicast address, a bad port, an empty datagram or a null socket. */
    INVALID_INPUT_PARAMETERS,
    /** Sending the HelloVerifyRequest through the socket failed. */
    UNDERLYING_SOCKET_ERROR
}
