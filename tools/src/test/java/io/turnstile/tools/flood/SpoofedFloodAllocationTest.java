package io.turnstile.tools.flood;

import io.turnstile.nativeio.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The send loop allocates nothing per packet or per batch: a flood of a million packets allocates exactly what a
 * flood of one batch does (the sockets, the off-heap arena's bookkeeping, the report), measured with the thread's
 * allocated-bytes counter after warm-up. The target is a sink socket, so the kernel drops every packet and nothing
 * but the flood runs on the test thread.
 * <p>
 * As in {@code MmsgBatchSocketAllocationTest}, a late deoptimisation can put the loop through code that allocates the
 * FFM errno-capture slice for a moment, so up to {@value #MAX_WINDOWS} windows are measured and the last must be
 * exactly zero; an allocation per batch would show in every window.
 */
class SpoofedFloodAllocationTest
{
    private static final int WARM_UP_RUNS = 40;
    private static final int WARM_UP_PACKETS = 20_000;
    private static final int MAX_WINDOWS = 10;
    private static final int PACKETS = 1_000_000;
    private static final int SMALL = 32;

    @Test
    @Timeout(120)
    void shouldAllocateNothingPerPacketOverAMillionPackets()
    {
        assumeTrue(LibC.isAvailable());
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        try (SinkSockets target = SinkSockets.open(1))
        {
            final int port = target.ports()[0];
            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                assertEquals(WARM_UP_PACKETS, flood(port, WARM_UP_PACKETS));
            }
            long overhead = Long.MAX_VALUE;
            for (int i = 0; i < 5; i++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                flood(port, SMALL);
                overhead = Math.min(overhead, threads.getCurrentThreadAllocatedBytes() - before);
            }

            final long[] allocated = new long[MAX_WINDOWS];
            int windows = 0;
            do
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                assertEquals(PACKETS, flood(port, PACKETS));
                allocated[windows++] = threads.getCurrentThreadAllocatedBytes() - before - overhead;
            }
            while (allocated[windows - 1] > 0 && windows < MAX_WINDOWS);

            assertEquals(0, Math.max(0, allocated[windows - 1]), "bytes allocated beyond a one-batch flood over " +
                PACKETS + " packets, per window: " + Arrays.toString(allocated) + " (overhead " + overhead +
                "; is the JVM running with LibC.JIT_FLAGS?)");
        }
    }

    private static long flood(final int port, final long packets)
    {
        return new SpoofedFlood(new SpoofedFlood.Context()
            .targetAddress(InetAddress.getLoopbackAddress())
            .targetPort(port)
            .mode(SpoofedFlood.Mode.UDP)
            .udpSockets(1)
            .seed(1)
            .maxPackets(packets)
            .durationNs(60_000_000_000L)
            .notice(line -> { })).run().sent();
    }
}
