package io.turnstile.codec;

/**
 * Why {@link ClientHelloDecoder#decode()} refused a datagram: what is wrong with its bytes, in the codec's own
 * terms. The verifier maps each fault to the drop reason it counts; the codec knows nothing of verifying.
 */
public enum ClientHelloFault
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
    /** A fragment at an offset greater than 0: not the start of a hello. */
    NOT_FIRST_FRAGMENT,
    /** client_version is not a DTLS version (0xfeff or 0xfefd). */
    BAD_CLIENT_VERSION,
    /** A ClientHello length field disagrees with the bytes present. */
    MALFORMED_CLIENT_HELLO,
    /** A first fragment that ends before compression_methods. */
    FRAGMENT_TOO_SHORT,
    /** The record holds bytes after its ClientHello fragment. */
    TRAILING_BYTES
}
