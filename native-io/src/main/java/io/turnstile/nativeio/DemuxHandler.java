package io.turnstile.nativeio;

import io.turnstile.codec.DatagramClass;
import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;

/**
 * The application's side of one port shared by STUN, DTLS, media and QUIC (RFC 7983, RFC 9443): a worker with a
 * demultiplexing handler gives it every datagram whose first byte is not DTLS (and not unassigned, 4..15), before
 * the accepted-peer lookup and the verifier; DTLS goes on as without one.
 * <p>
 * Called on the worker thread, once per datagram: it must not block, should not allocate (the worker's path stays
 * allocation-free), and should not throw (an exception ends the duty cycle there and goes to the error handler).
 * The buffer and the peer are views valid during the call only. Through {@link DatagramReply#send} it can answer the
 * datagram's source from the worker's socket, e.g. an ICE-lite binding response; <b>what it sends to sources nobody
 * verified is its own responsibility</b> (a STUN response is larger than the request: an amplifier unless the
 * application limits it). Replies are counted.
 */
@FunctionalInterface
public interface DemuxHandler
{
    /**
     * One datagram that is not DTLS.
     *
     * @param type     its class by first byte: never {@link DatagramClass#DTLS} or {@link DatagramClass#UNASSIGNED}.
     * @param datagram the datagram, at offset 0.
     * @param length   of the datagram, at least 1.
     * @param peer     its source; a view valid during the call only.
     * @param reply    sends to the source through the worker's send slots, during the call only.
     */
    void onDatagram(DatagramClass type, DirectBuffer datagram, int length, PeerAddress peer, DatagramReply reply);
}
