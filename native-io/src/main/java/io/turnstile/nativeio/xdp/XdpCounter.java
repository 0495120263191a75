package io.turnstile.nativeio.xdp;

/**
 * The verdicts of the XDP filter ({@link XdpDtlsProgram}), each counted in the kernel per CPU and summed by
 * {@link XdpCounters}. The id is the counter's index in the counters map: stable, never reused.
 */
public enum XdpCounter
{
    /** Not UDP to the served address and port (ARP, neighbour discovery, other ports, IP fragments): passed. */
    PASSED_OTHER(0, "passed_other"),
    /** UDP to the served port whose payload cannot be a DTLS record: dropped before any skb exists. */
    DROPPED_NOT_DTLS(1, "dropped_not_dtls"),
    /** A first byte in a range the filter was told to pass (RFC 7983 demultiplexing: STUN, RTP, ...): passed. */
    PASSED_DEMUX(2, "passed_demux"),
    /** A DTLS record that is not a first ClientHello fragment (the handshake after the cookie, data): passed. */
    PASSED_DTLS(3, "passed_dtls"),
    /**
     * An epoch-0 ClientHello with fragment offset 0, redirected to the AF_XDP socket of its RX queue. The socket
     * can still drop it when its RX ring is full: that shows in the socket's {@code XDP_STATISTICS}, not here.
     */
    REDIRECTED_HELLO(4, "redirected_hello"),
    /** Such a ClientHello, but no AF_XDP socket is registered for its RX queue: passed to the kernel instead. */
    PASSED_HELLO_NO_SOCKET(5, "passed_hello_no_socket"),
    /** A ClientHello without a cookie over the per-queue rate limit: dropped (only with a rate limit configured). */
    DROPPED_RATE_LIMITED(6, "dropped_rate_limited");

    /** Entries of the counters map. */
    public static final int COUNT = 7;

    private final int id;
    private final String label;

    XdpCounter(final int id, final String label)
    {
        this.id = id;
        this.label = label;
    }

    /**
     * The index in the counters map.
     *
     * @return the id.
     */
    public int id()
    {
        return id;
    }

    /**
     * The name in stats output, e.g. {@code dropped_not_dtls}.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }
}
