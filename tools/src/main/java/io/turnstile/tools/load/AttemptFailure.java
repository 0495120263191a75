package io.turnstile.tools.load;

/**
 * Why one legit client's cookie exchange (or handshake start) failed.
 */
public enum AttemptFailure
{
    /** No HelloVerifyRequest after the first hello and every retransmission of it. */
    HVR_TIMEOUT("hvr_timeout"),
    /** No ServerHello after the cookie hello and every retransmission of it (handshake mode only). */
    SERVER_HELLO_TIMEOUT("server_hello_timeout"),
    /** The reply to the first hello was not a well-formed HelloVerifyRequest. */
    MALFORMED_HVR("malformed_hvr"),
    /** The HVR's record sequence number is not that of any first hello sent (RFC 6347 section 4.2.1 MUST). */
    HVR_WRONG_SEQUENCE("hvr_wrong_sequence"),
    /** The cookie hello was answered with a fresh HVR: the server did not accept the cookie. */
    COOKIE_REJECTED("cookie_rejected"),
    /** An ICMP port unreachable came back: nothing listens at the target. */
    PORT_UNREACHABLE("port_unreachable"),
    /** Opening, binding or sending on the client socket failed. */
    IO_ERROR("io_error");

    private final String label;

    AttemptFailure(final String label)
    {
        this.label = label;
    }

    /**
     * The name used in JSON output.
     *
     * @return snake-case label.
     */
    public String label()
    {
        return label;
    }
}
