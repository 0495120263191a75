/**
 * After the verifier: the hand-off of verified peers to a BouncyCastle DTLS 1.2 handshake with RFC 6347 sequence
 * continuity, split as Aeron splits its driver into Receiver and Conductor, and the echo server
 * {@code turnstile serve --echo} runs.
 * <pre>
 *   worker threads                  conductor thread                   session threads (virtual)
 *   VerifierAgent                   SessionConductor (Agent)           PeerSession (Runnable)
 *     HandshakeHandoff                owns SessionTable, SessionLookup,   reassemble the hello,
 *       VERIFIED / DATAGRAM  ------&gt;   SessionCounters, DatagramPool     VerifiedRequestFactory -&gt; DTLSRequest,
 *       (SessionConductorProxy,       admit (caps), start the thread      DTLSServerProtocol.accept, then echo
 *        ManyToOneRingBuffer)         offer datagram -&gt; PeerTransport --&gt; receive (pooled, park/unpark)
 *                                     SessionEvents queue &lt;------------ established, echoed, ended
 *                                     deadlines: expire the transport
 *     PeerCommands.drain     &lt;------  WorkerLink.release (kept, retried)
 *     Outbox.drain           &lt;--------------------------------------- PeerTransport.send -&gt; OutboxOutput
 * </pre>
 * Who owns what: a worker owns its socket, its {@code AcceptedPeers} and the draining of its {@code Outbox} and
 * {@code PeerCommands}; the conductor owns every session's admission, life-cycle bookkeeping and deadlines; a session
 * thread owns its BouncyCastle state. Counters live in {@link io.turnstile.server.handshake.SessionCounters} (the
 * table's) and {@link io.turnstile.server.handshake.HandoffCounters} (one per worker), each value with one writer.
 */
package io.turnstile.server.handshake;
