package io.turnstile.bench.pps;

import io.turnstile.bench.flood.SpoofedFlood;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A bounded flood of cookie-less ClientHellos at a responder, sent from its own pinned thread. Always bounded: it
 * stops by itself at its duration or its packet budget, whichever comes first, or when closed.
 * <p>
 * {@link SpoofedFloodRunner} runs the project's {@link SpoofedFlood} (raw spoofed sources with sink ports, or UDP
 * sockets on many 127.x.y.z sources, each a sink) behind it; another flood generator plugs in the same way.
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
        public static final long MAX_PACKETS = SpoofedFlood.Context.MAX_PACKETS;
        /** Longest a flood may run. */
        public static final long MAX_DURATION_MS = SpoofedFlood.Context.MAX_DURATION_S * 1000;

        private InetAddress target;
        private int port;
        private long ratePps = 0;
        private long durationMs = 10_000;
        private long maxPackets = 10_000_000;
        private int cpu = -1;
        private SpoofedFlood.Mode mode = SpoofedFlood.Mode.RAW;
        private int udpSockets = SpoofedFlood.Context.DEFAULT_UDP_SOCKETS;
        private int sinkPorts = SpoofedFlood.Context.DEFAULT_SINK_PORTS;
        private String template = "openssl-dtls12-ch1-nocookie.bin";

        /**
         * Target and port must be set; the rest defaults to a 10 s, 10 M datagram, max-rate raw spoofed flood.
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
            Objects.requireNonNull(mode, "mode must be set");
            if (udpSockets < 1 || udpSockets > SpoofedFlood.Context.MAX_UDP_SOCKETS)
            {
                throw new IllegalArgumentException(
                    "udpSockets must be 1 to " + SpoofedFlood.Context.MAX_UDP_SOCKETS + ", got " + udpSockets);
            }
            if (sinkPorts < 1 || sinkPorts > 1024)
            {
                throw new IllegalArgumentException("sinkPorts must be 1 to 1024, got " + sinkPorts);
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
         * How to send: raw spoofed sources (needs root or CAP_NET_RAW; falls back to UDP with a notice) or UDP sockets.
         *
         * @param mode default {@link SpoofedFlood.Mode#RAW}.
         * @return this.
         */
        public Context mode(final SpoofedFlood.Mode mode)
        {
            this.mode = mode;
            return this;
        }

        /**
         * How to send.
         *
         * @return the mode.
         */
        public SpoofedFlood.Mode mode()
        {
            return mode;
        }

        /**
         * UDP mode: sockets, each bound to its own 127.x.y.z source and each a sink for the replies.
         *
         * @param udpSockets 1 to 4096; default 256.
         * @return this.
         */
        public Context udpSockets(final int udpSockets)
        {
            this.udpSockets = udpSockets;
            return this;
        }

        /**
         * UDP mode: sockets.
         *
         * @return count.
         */
        public int udpSockets()
        {
            return udpSockets;
        }

        /**
         * Raw mode: sink sockets whose ports the spoofed sources use, so replies are dropped, not ICMP-answered.
         *
         * @param sinkPorts 1 to 1024; default 16.
         * @return this.
         */
        public Context sinkPorts(final int sinkPorts)
        {
            this.sinkPorts = sinkPorts;
            return this;
        }

        /**
         * Raw mode: sink sockets.
         *
         * @return count.
         */
        public int sinkPorts()
        {
            return sinkPorts;
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
