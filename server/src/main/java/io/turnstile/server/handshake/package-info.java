/**
 * After the verifier: the hand-off of verified peers to a BouncyCastle DTLS 1.2 handshake with RFC 6347 sequence
 * continuity, split as Aeron splits its driver into Receiver and Conductor, and the echo server
 * {@code turnstile serve --echo} runs.
 * <pre>
 *   worker threads                  conductor (a worker's cycle,      session threads (virtual)
 *   VerifierAgent                   or a thread of its own)           PeerSession (Runnable)
 *     HandshakeHandoff              SessionConductor (Agent)
 *       VERIFIED (and DATAGRAM  --&gt;   owns SessionTable, SessionLookup,  reassemble the hello,
 *       before the slot is known)     SessionSlots, SessionCounters      VerifiedRequestFactory -&gt; DTLSRequest,
 *       (SessionConductorProxy,       admit (caps), claim a slot,        DTLSServerProtocol.accept, then echo
 *        ManyToOneRingBuffer)         start the thread
 *       datagram, slot attached ------------ SessionSlots -------------&gt; PeerTransport.receive (pooled buffers)
 *                                     SessionEvents queue &lt;------------ established, echoed, ended
 *                                     deadlines: expire the transport
 *     PeerCommands.drain     &lt;------  WorkerLink: ATTACH (peer, slot), RELEASE (peer); kept and retried if full
 *     Outbox.drain           &lt;--------------------------------------- PeerTransport.send -&gt; OutboxOutput
 * </pre>
 * Who owns what: a worker owns its socket, its {@code AcceptedPeers} (with each admitted peer's slot) and the draining
 * of its {@code Outbox} and {@code PeerCommands}; the conductor owns every session's admission, slot, life-cycle
 * bookkeeping and deadlines; a session thread owns its BouncyCastle state. Counters live in
 * {@link io.turnstile.server.handshake.SessionCounters} (the table's) and
 * {@link io.turnstile.server.handshake.HandoffCounters} (one per worker).
 */
package io.turnstile.server.handshake;
