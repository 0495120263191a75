package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.WorkerCounter;
import org.agrona.concurrent.status.AtomicCounter;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A UDP server under test: it answers cookie-less ClientHellos on its own thread, pinned to one CPU, and adds what it
 * did to a set of {@link WorkerCounter}s once per batch (or per read burst), so that every responder is sampled the
 * same way and a sample costs the responder nothing.
 * <p>
 * The counters each responder moves: {@link WorkerCounter#RECEIVED}, {@link WorkerCounter#REPLIES} (replies handed to
 * the kernel), {@link WorkerCounter#VERIFIED}, {@link WorkerCounter#DROPPED}, and {@link WorkerCounter#SEND_FAILED} /
 * {@link WorkerCounter#REPLY_QUEUE_FULL} when a reply could not be sent.
 */
public interface Responder extends AutoCloseable
{
    /**
     * Start serving: open the socket on the responder's own thread and return once it is bound.
     *
     * @return the UDP port bound.
     * @throws IllegalStateException when the socket cannot be opened or the thread fails to start in time.
     */
    int start();

    /**
     * The responder's name as the reports print it, e.g. {@code turnstile}.
     *
     * @return the kind of responder.
     */
    String name();

    /**
     * What it does per datagram and how, for the report's notes.
     *
     * @return one line.
     */
    String description();

    /**
     * Stop the thread and close the socket; safe to call more than once.
     */
    @Override
    void close();

    /**
     * Configuration shared by every kind of responder, checked when built.
     *
     * @param cookieKeys   keys every responder's verifier shares, so all of them compute the same cookies.
     * @param counters     the counters the responder adds to, one per {@link WorkerCounter} from
     *                     {@link WorkerCounter#allocate}, indexed by ordinal.
     * @param bindAddress  local address to bind; the loopback address when null.
     * @param port         local port: 0 for an ephemeral one; a fixed one lets SO_REUSEPORT workers share it.
     * @param batchSize    datagrams per receive batch, 1 to 1024, for the responders that batch (the NIO loops take
     *                     one at a time).
     * @param cpu          CPU to pin the responder's thread to, -1 for none.
     * @param workerId     worker id, for thread names when several workers run.
     * @param dontFragment whether the baselines (NIO, BouncyCastle, Netty) set the don't-fragment bit on their
     *                     replies ({@code IP_MTU_DISCOVER = IP_PMTUDISC_DO}) as Turnstile's and the no-crypto
     *                     baseline's {@code MmsgBatchSocket} always does: the kernel then skips the IP-ID generator per
     *                     reply, which issue 3 measured at ~13 % of a core when replying to many spoofed addresses.
     *                     Off in the harness by default: a plain NIO or Netty server does not set it, and that is the
     *                     comparison the issues ask for; on, it isolates the rest.
     */
    record Context(
        CookieKeys cookieKeys,
        AtomicCounter[] counters,
        InetAddress bindAddress,
        int port,
        int batchSize,
        int cpu,
        int workerId,
        boolean dontFragment)
    {
        /**
         * Check every value and fill the bind address.
         *
         * @throws IllegalArgumentException or NullPointerException naming the bad value.
         */
        public Context
        {
            Objects.requireNonNull(cookieKeys, "cookieKeys must be set: every responder uses the same keys");
            Objects.requireNonNull(counters, "counters must be set: WorkerCounter.allocate(countersManager, id)");
            if (counters.length != WorkerCounter.values().length)
            {
                throw new IllegalArgumentException(
                    "counters must hold one AtomicCounter per WorkerCounter, got " + counters.length);
            }
            if (port < 0 || port > 65_535)
            {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            if (batchSize < 1 || batchSize > BatchSocket.Context.MAX_BATCH_SIZE)
            {
                throw new IllegalArgumentException(
                    "batchSize must be 1 to " + BatchSocket.Context.MAX_BATCH_SIZE + ", got " + batchSize);
            }
            if (cpu < -1 || cpu > 1023)
            {
                throw new IllegalArgumentException("cpu must be -1 (no pinning) to 1023, got " + cpu);
            }
            if (workerId < 0)
            {
                throw new IllegalArgumentException("workerId must be 0 or more, got " + workerId);
            }
            bindAddress = null == bindAddress ? InetAddress.getLoopbackAddress() : bindAddress;
        }
    }
}
