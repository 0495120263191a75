/**
 * Puts the verifier on real UDP sockets, a batch per system call.
 * <ul>
 *     <li>{@link io.turnstile.nativeio.LibC}: the java.lang.foreign bindings (socket, bind, setsockopt, getsockname,
 *     recvmmsg, sendmmsg, poll, close, sched_setaffinity) and x86_64 Linux struct layouts; no JNI, no C.</li>
 *     <li>{@link io.turnstile.nativeio.BatchSocket}: receive a batch into pre-allocated slots, stage replies into
 *     send slots, flush them; {@link io.turnstile.nativeio.MmsgBatchSocket} does it with recvmmsg/sendmmsg,
 *     {@link io.turnstile.nativeio.NioBatchSocket} with a DatagramChannel where the bindings are unavailable, and
 *     {@link io.turnstile.nativeio.BatchSockets#open} picks one.</li>
 *     <li>{@link io.turnstile.nativeio.VerifierAgent}: the per-core worker's duty cycle, publishing
 *     {@link io.turnstile.nativeio.WorkerCounter}s and its verifier's own counts
 *     ({@link io.turnstile.verifier.VerifierCounters#publish()}) once per batch.</li>
 *     <li>{@link io.turnstile.nativeio.VerifierServer}: N workers on one port through SO_REUSEPORT, one thread,
 *     socket and verifier each, sharing one {@code CookieKeys}, with off-heap counters summed by
 *     {@link io.turnstile.nativeio.VerifierServer#snapshot}, in a {@link io.turnstile.nativeio.CountersFile} that
 *     another process maps to read them ({@code turnstile stat}).</li>
 *     <li>{@link io.turnstile.nativeio.AcceptedPeers}, {@link io.turnstile.nativeio.PeerDatagramHandler},
 *     {@link io.turnstile.nativeio.Outbox} and {@link io.turnstile.nativeio.PeerCommands}: datagrams from peers the
 *     application accepted bypass the verifier; other threads send through a worker's socket (the outbox), and the
 *     one thread that owns the peers' sessions releases or accepts them (the command queue).</li>
 * </ul>
 */
package io.turnstile.nativeio;
