package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.tools.flood.SpoofedFlood;
import io.turnstile.verifier.ClientHelloVerifier;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The worker's duty cycle as JMH sees it: one {@link VerifierAgent#doWork()} per operation, driven by an Agrona
 * {@link AgentInvoker} on the benchmark thread (pinned to CPU {@code workerCpu}) over a real loopback
 * {@link MmsgBatchSocket}, fed by an in-JVM {@link SpoofedFlood} on another CPU ({@code senderCpu}) at max rate, raw spoofed sources with
 * sink ports by default ({@code floodMode}).
 * <p>
 * What is timed is the duty cycle only: recvmmsg of what the kernel has queued, verifying every hello (AES-CMAC
 * cookies by default), staging the HVRs and one sendmmsg (whose loopback delivery to the flood's sink sockets is the
 * send path's own cost). The sender runs on its own thread and CPU, and on loopback its sendmmsg also runs the
 * receive softirq that queues the datagrams, so neither is charged to the worker.
 * <p>
 * Scores: the primary score is duty cycles per second. The {@link PacketCounters} ({@code @AuxCounters(OPERATIONS)},
 * normalised to time by JMH) are the packets per second: received, replied, verified, dropped. {@link CycleCounters}
 * ({@code EVENTS}, raw counts) gives the empty cycles: many of them mean the sender, not the worker, was the limit
 * and the pps is the sender's rate; few mean the worker was saturated. {@code -prof gc} shows the cycle's B/op.
 * <p>
 * <b>Note:</b> the flood is bounded (10 min, 1 G datagrams) and is stopped at the end of the trial.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-XX:CompileCommand=quiet",
    "-XX:CompileCommand=inline,jdk.internal.foreign.abi.SharedUtils::checkNative",
    "-XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSlice*",
    "-XX:CompileCommand=inline,jdk.internal.foreign.NativeMemorySegmentImpl::dup"})
@State(Scope.Thread)
public class WorkerDutyCycleBenchmark
{
    private static final long FLOOD_MS = TimeUnit.MINUTES.toMillis(10);
    private static final long FLOOD_PACKETS = 1_000_000_000L;

    /** Datagrams per recvmmsg/sendmmsg. */
    @Param({"32"})
    public int batch;

    /** CPU of the benchmark (worker) thread, -1 for no pinning. */
    @Param({"0"})
    public int workerCpu;

    /** CPU of the in-JVM sender, -1 for no pinning. */
    @Param({"1"})
    public int senderCpu;

    /** How the in-JVM sender floods: {@code RAW} spoofed sources with sink ports, or {@code UDP} sockets. */
    @Param({"RAW"})
    public String floodMode;

    private final List<Throwable> errors = new ArrayList<>();
    private AtomicCounter[] counters;
    private AgentInvoker invoker;
    private SpoofedFlood flood;
    private long received;
    private long replied;
    private long verified;
    private long dropped;

    /**
     * Packets per second, JMH normalising each field to the iteration's time.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class PacketCounters
    {
        /** Datagrams received. */
        public long received;
        /** HelloVerifyRequests staged. */
        public long replied;
        /** Hellos whose cookie verified (none: the flood is cookie-less). */
        public long verified;
        /** Datagrams dropped. */
        public long dropped;

        /**
         * Zero the counts at the start of each iteration: JMH reads them at its end.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            received = 0;
            replied = 0;
            verified = 0;
            dropped = 0;
        }
    }

    /**
     * Raw counts per iteration.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CycleCounters
    {
        /** Duty cycles that found nothing queued. */
        public long emptyCycles;

        /**
         * Zero the count at the start of each iteration.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            emptyCycles = 0;
        }
    }

    /**
     * Pin this (the benchmark) thread, start the agent on it, and start the flood at it.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        if (!LibC.isAvailable())
        {
            throw new IllegalStateException("WorkerDutyCycleBenchmark needs the native recvmmsg/sendmmsg bindings");
        }
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(batch)))
            .verifier(new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(CookieKeys.random())))
            .counters(counters)
            .cpu(workerCpu));
        invoker = new AgentInvoker(errors::add, null, agent);
        invoker.start();
        if (!errors.isEmpty())
        {
            throw new IllegalStateException("agent failed to start: " + errors);
        }
        flood = new SpoofedFlood(new SpoofedFlood.Context()
            .targetAddress(loopback)
            .targetPort(agent.socket().localPort())
            .mode(SpoofedFlood.Mode.valueOf(floodMode))
            .fallbackToUdp(true)
            .durationNs(TimeUnit.MILLISECONDS.toNanos(FLOOD_MS))
            .maxPackets(FLOOD_PACKETS)
            .cpu(senderCpu)).start();
    }

    /**
     * Stop the flood and the agent, and check nothing went wrong on the way.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        flood.close();
        invoker.close();
        if (null != flood.failure())
        {
            throw new IllegalStateException("flood failed", flood.failure());
        }
        if (!errors.isEmpty())
        {
            throw new IllegalStateException("agent errors: " + errors);
        }
        if (counters[WorkerCounter.RECEIVED.ordinal()].get() == 0)
        {
            throw new IllegalStateException("the worker received nothing: the benchmark measured empty cycles");
        }
    }

    /**
     * One duty cycle: receive a batch, verify, reply, flush.
     *
     * @param packets per-second packet counters.
     * @param cycles  raw cycle counts.
     * @return the agent's work count.
     */
    @Benchmark
    public int dutyCycle(final PacketCounters packets, final CycleCounters cycles)
    {
        final int work = invoker.invoke();
        final AtomicCounter[] counters = this.counters;
        final long nowReceived = counters[WorkerCounter.RECEIVED.ordinal()].get();
        if (nowReceived == received)
        {
            cycles.emptyCycles++;
            return work;
        }
        final long nowReplied = counters[WorkerCounter.REPLIES.ordinal()].get();
        final long nowVerified = counters[WorkerCounter.VERIFIED.ordinal()].get();
        final long nowDropped = counters[WorkerCounter.DROPPED.ordinal()].get();
        packets.received += nowReceived - received;
        packets.replied += nowReplied - replied;
        packets.verified += nowVerified - verified;
        packets.dropped += nowDropped - dropped;
        received = nowReceived;
        replied = nowReplied;
        verified = nowVerified;
        dropped = nowDropped;
        return work;
    }
}
