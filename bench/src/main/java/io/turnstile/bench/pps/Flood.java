package io.turnstile.bench.pps;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A bounded flood of cookie-less ClientHellos at a responder, sent from its own pinned thread. Always bounded: it
 * stops by itself at its duration or its packet budget, whichever comes first, or when closed.
 * <p>
 * {@link LoopbackUdpFlood} is the harness's own (real UDP sockets on many 127.x.y.z sources, each a sink); the flood
 * helper's raw-socket {@code SpoofedFlood} plugs in behind the same interface.
 */
public interface Flood extends AutoCloseable
{
    /**
     * Start sending on the flood's own thread; returns at once.
     *
     * @throws IllegalStateException when the sockets cannot be opened.
     */
    void start();

    /**
     * Datagrams handed to the kernel so far; readable from any thread, updated once per batch.
     *
     * @return count since start.
     */
    long sent();

    /**
     * Whether the flood has stopped (bound reached, closed, or failed).
     *
     * @return true once stopped.
     */
    boolean isDone();

    /**
     * The exception that stopped the flood early, if any.
     *
     * @return null while healthy.
     */
    Throwable failure();

    /**
     * How the datagrams reach the responder and where its replies go, for the report.
     *
     * @return one line.
     */
    String topology();

    /**
     * Stop sending and release the sockets; safe to call more than once.
     */
    @Override
    void close();

    /**
     * What to flood: fluent setters, then {@link #conclude()}.
     */
    final class Context
    {
        /** Most datagrams a flood may send, whatever it is asked. */
        public static final long MAX_PACKETS = 2_000_000_000L;
        /** Longest a flood may run. */
        public static final long MAX_DURATION_MS = 3_600_000L;

        private InetAddress target;
        private int port;
        private long ratePps = 0;
        private long durationMs = 10_000;
        private long maxPackets = 10_000_000;
        private int cpu = -1;
        private int sources = 256;
        private String template = "openssl-dtls12-ch1-nocookie.bin";

        /**
         * Target and port must be set; the rest defaults to a 10 s, 10 M datagram, max-rate flood from 256 sources.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            Objects.requireNonNull(target, "target must be set");
            if (!target.isLoopbackAddress())
            {
                throw new IllegalArgumentException("floods go to loopback only, got " + target.getHostAddress());
            }
            if (port < 1 || port > 65_535)
            {
                throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
            }
            if (ratePps < 0)
            {
                throw new IllegalArgumentException("ratePps must be 0 (max) or more, got " + ratePps);
            }
            if (durationMs < 1 || durationMs > MAX_DURATION_MS)
            {
                throw new IllegalArgumentException(
                    "durationMs must be 1 to " + MAX_DURATION_MS + ", got " + durationMs);
            }
            if (maxPackets < 1 || maxPackets > MAX_PACKETS)
            {
                throw new IllegalArgumentException("maxPackets must be 1 to " + MAX_PACKETS + ", got " + maxPackets);
            }
            if (sources < 1 || sources > 65_000)
            {
                throw new IllegalArgumentException("sources must be 1 to 65000, got " + sources);
            }
            if (cpu < -1 || cpu > 1023)
            {
                throw new IllegalArgumentException("cpu must be -1 (no pinning) to 1023, got " + cpu);
            }
            Objects.requireNonNull(template, "template must be set");
            return this;
        }

        /**
         * Where to send: a loopback address.
         *
         * @param target the responder's address.
         * @return this.
         */
        public Context target(final InetAddress target)
        {
            this.target = target;
            return this;
        }

        /**
         * Where to send.
         *
         * @return the address.
         */
        public InetAddress target()
        {
            return target;
        }

        /**
         * The responder's port.
         *
         * @param port 1 to 65535.
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * The responder's port.
         *
         * @return the port.
         */
        public int port()
        {
            return port;
        }

        /**
         * Offered rate.
         *
         * @param ratePps datagrams per second, 0 for as fast as the flood's core can send (default).
         * @return this.
         */
        public Context ratePps(final long ratePps)
        {
            this.ratePps = ratePps;
            return this;
        }

        /**
         * Offered rate.
         *
         * @return datagrams per second, 0 for max.
         */
        public long ratePps()
        {
            return ratePps;
        }

        /**
         * How long to send.
         *
         * @param durationMs 1 ms to 1 h; default 10 s.
         * @return this.
         */
        public Context durationMs(final long durationMs)
        {
            this.durationMs = durationMs;
            return this;
        }

        /**
         * How long to send.
         *
         * @return milliseconds.
         */
        public long durationMs()
        {
            return durationMs;
        }

        /**
         * Packet budget.
         *
         * @param maxPackets 1 to 2 G; default 10 M.
         * @return this.
         */
        public Context maxPackets(final long maxPackets)
        {
            this.maxPackets = maxPackets;
            return this;
        }

        /**
         * Packet budget.
         *
         * @return datagrams.
         */
        public long maxPackets()
        {
            return maxPackets;
        }

        /**
         * CPU to pin the sending thread to.
         *
         * @param cpu -1 for none, else 0 to 1023.
         * @return this.
         */
        public Context cpu(final int cpu)
        {
            this.cpu = cpu;
            return this;
        }

        /**
         * CPU to pin the sending thread to.
         *
         * @return -1 for none.
         */
        public int cpu()
        {
            return cpu;
        }

        /**
         * Distinct source addresses (127.1.0.1 upwards), each a socket of its own.
         *
         * @param sources 1 to 65000; default 256.
         * @return this.
         */
        public Context sources(final int sources)
        {
            this.sources = sources;
            return this;
        }

        /**
         * Distinct source addresses.
         *
         * @return count.
         */
        public int sources()
        {
            return sources;
        }

        /**
         * The capture sent, its random re-drawn per datagram.
         *
         * @param template a file name in the corpus; default {@code openssl-dtls12-ch1-nocookie.bin}.
         * @return this.
         */
        public Context template(final String template)
        {
            this.template = template;
            return this;
        }

        /**
         * The capture sent.
         *
         * @return its corpus file name.
         */
        public String template()
        {
            return template;
        }
    }
}
