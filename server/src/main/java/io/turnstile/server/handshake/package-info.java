/**
 * After the verifier: the hand-off of verified peers to a BouncyCastle DTLS 1.2 handshake with RFC 6347 sequence
 * continuity, their per-peer transports over the worker's {@code AcceptedPeers} and {@code Outbox}, the session
 * table with its caps and timeouts, and the echo server {@code turnstile serve --echo} runs.
 * <pre>
 *   worker thread (VerifierAgent)          session threads (virtual)              worker thread
 *   VERIFIED -> HandshakeHandoff.onVerified  PeerSession: reassemble the hello,      Outbox.drain: SENDs to the
 *     caps (SessionTable.open), accept peer  VerifiedRequestFactory -> DTLSRequest,  socket, RELEASEs to the
 *   accepted peer's datagram ->              DTLSServerProtocol.accept, then echo    AcceptedPeers
 *     onPeerDatagram -> session queue        PeerTransport.send -> Outbox.offerSend
 * </pre>
 */
package io.turnstile.server.handshake;
