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
     * Configuration shared by every kind of responder: fluent setters, then {@link #conclude()}.
     */
    final class Context
    {
        private CookieKeys cookieKeys;
        private AtomicCounter[] counters;
        private InetAddress bindAddress;
        private int port = 0;
        private int batchSize = BatchSocket.Context.DEFAULT_BATCH_SIZE;
        private int cpu = -1;
        private int workerId = 0;
        private boolean dontFragment = false;

        /**
         * Nothing set: cookie keys and counters must be before {@link #conclude()}.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException or NullPointerException naming the bad value.
         */
        public Context conclude()
        {
            Objects.requireNonNull(cookieKeys, "cookieKeys must be set: every responder uses the same keys");
            Objects.requireNonNull(counters, "counters must be set: WorkerCounter.allocate(countersManager, id)");
            if (counters.length != WorkerCounter.values().length)
            {
                throw new IllegalArgumentException(
                    "counters must hold one AtomicCounter per WorkerCounter, got " + counters.length);
            }
            if (null == bindAddress)
            {
                bindAddress = InetAddress.getLoopbackAddress();
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
            return this;
        }

        /**
         * Keys every responder's verifier shares, so all of them compute the same cookies.
         *
         * @param cookieKeys the keys.
         * @return this.
         */
        public Context cookieKeys(final CookieKeys cookieKeys)
        {
            this.cookieKeys = cookieKeys;
            return this;
        }

        /**
         * Keys the verifier uses.
         *
         * @return the keys.
         */
        public CookieKeys cookieKeys()
        {
            return cookieKeys;
        }

        /**
         * Counters the responder adds to, indexed by {@link WorkerCounter} ordinal.
         *
         * @param counters from {@link WorkerCounter#allocate}.
         * @return this.
         */
        public Context counters(final AtomicCounter[] counters)
        {
            this.counters = counters;
            return this;
        }

        /**
         * Counters the responder adds to.
         *
         * @return one per {@link WorkerCounter}.
         */
        public AtomicCounter[] counters()
        {
            return counters;
        }

        /**
         * Local address to bind.
         *
         * @param bindAddress default the loopback address.
         * @return this.
         */
        public Context bindAddress(final InetAddress bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /**
         * Local address to bind.
         *
         * @return the address.
         */
        public InetAddress bindAddress()
        {
            return bindAddress;
        }

        /**
         * Local port: 0 for an ephemeral one; a fixed one lets several SO_REUSEPORT workers share it.
         *
         * @param port 0 to 65535; default 0.
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * Local port.
         *
         * @return the port.
         */
        public int port()
        {
            return port;
        }

        /**
         * Datagrams per receive batch, for the responders that batch (ignored by the one-at-a-time NIO loops).
         *
         * @param batchSize 1 to 1024; default 64.
         * @return this.
         */
        public Context batchSize(final int batchSize)
        {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Datagrams per receive batch.
         *
         * @return the batch size.
         */
        public int batchSize()
        {
            return batchSize;
        }

        /**
         * CPU to pin the responder's thread to.
         *
         * @param cpu -1 for none (default), else 0 to 1023.
         * @return this.
         */
        public Context cpu(final int cpu)
        {
            this.cpu = cpu;
            return this;
        }

        /**
         * CPU to pin the responder's thread to.
         *
         * @return -1 for none.
         */
        public int cpu()
        {
            return cpu;
        }

        /**
         * Whether the baselines (NIO, BouncyCastle, Netty) set the don't-fragment bit on their replies
         * ({@code IP_MTU_DISCOVER = IP_PMTUDISC_DO}) as Turnstile's and the no-crypto baseline's
         * {@code MmsgBatchSocket} always does: the kernel then skips the IP-ID generator per reply, which issue 3
         * measured at ~13 % of a core when replying to many spoofed addresses. Off by default: a plain NIO or Netty
         * server does not set it, and that is the comparison the issues ask for; on, it isolates the rest.
         *
         * @param dontFragment default false.
         * @return this.
         */
        public Context dontFragment(final boolean dontFragment)
        {
            this.dontFragment = dontFragment;
            return this;
        }

        /**
         * Whether the baselines set the don't-fragment bit.
         *
         * @return true to set it.
         */
        public boolean dontFragment()
        {
            return dontFragment;
        }

        /**
         * Worker id, for thread names when several workers run.
         *
         * @param workerId 0 or more; default 0.
         * @return this.
         */
        public Context workerId(final int workerId)
        {
            this.workerId = workerId;
            return this;
        }

        /**
         * Worker id.
         *
         * @return the id.
         */
        public int workerId()
        {
            return workerId;
        }
    }
}
