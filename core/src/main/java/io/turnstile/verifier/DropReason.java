package io.turnstile.verifier;

import io.turnstile.codec.ClientHelloFault;

/**
 * Why a datagram was dropped without a reply. Every reason is counted; none is ever logged per packet. Each of the
 * decoder's {@link ClientHelloFault}s has a reason of the same name; the others are the verifier's own policy and
 * limits.
 */
public enum DropReason
{
    /** Fewer bytes than a record header (13). */
    RECORD_TOO_SHORT,
    /** The first record is not ContentType handshake(22). */
    NOT_HANDSHAKE,
    /** The record version is neither 0xfeff nor 0xfefd. */
    BAD_RECORD_VERSION,
    /** The record epoch is not 0: a hello is always sent in epoch 0. */
    NON_ZERO_EPOCH,
    /** The record length runs past the datagram, or cannot hold a handshake header. */
    RECORD_TRUNCATED,
    /** The handshake message is not a client_hello(1). */
    NOT_CLIENT_HELLO,
    /** The fragment runs past the message length or past the record. */
    BAD_FRAGMENT,
    /** A fragment at an offset greater than 0: not a hello the verifier can answer. */
    NOT_FIRST_FRAGMENT,
    /** client_version is not a DTLS version (0xfeff or 0xfefd). */
    BAD_CLIENT_VERSION,
    /** A ClientHello length field disagrees with the bytes present. */
    MALFORMED_CLIENT_HELLO,
    /** A first fragment that ends before every field the cookie covers. */
    FRAGMENT_TOO_SHORT,
    /** message_seq above the bound a real client reaches in a cookie exchange. */
    MESSAGE_SEQ_OUT_OF_RANGE,
    /** The HelloVerifyRequest would be longer than the datagram it answers. */
    WOULD_AMPLIFY,
    /** The caller's reply buffer cannot hold a HelloVerifyRequest. */
    REPLY_BUFFER_TOO_SMALL,
    /**
     * The hello's handshake length claims more than the verifier's limit (real hellos, post-quantum ones included,
     * stay under 2 KiB): a first fragment announcing a huge hello is not answered.
     */
    HELLO_TOO_LONG,
    /**
     * The record holds bytes after its ClientHello fragment: a client's first flight is the ClientHello alone, so
     * nothing may follow it in its record (OpenSSL's DTLSv1_listen drops these too).
     */
    TRAILING_BYTES;

    private static final DropReason[] VALUES = values();
    private static final DropReason[] BY_FAULT = new DropReason[ClientHelloFault.values().length];

    static
    {
        for (final ClientHelloFault fault : ClientHelloFault.values())
        {
            BY_FAULT[fault.ordinal()] = valueOf(fault.name());
        }
    }

    /**
     * The reason a decoder fault is counted under, without allocating.
     *
     * @param fault from {@link io.turnstile.codec.ClientHelloDecoder#fault()}.
     * @return the drop reason of the same name.
     */
    public static DropReason of(final ClientHelloFault fault)
    {
        return BY_FAULT[fault.ordinal()];
    }

    /**
     * The reason with a given ordinal, without allocating a copy of {@link #values()}.
     *
     * @param ordinal of the reason.
     * @return the reason.
     */
    public static DropReason get(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /**
     * How many reasons there are.
     *
     * @return the number of reasons.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
