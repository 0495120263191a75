package io.turnstile.nativeio;

import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The worker's whole duty cycle allocates nothing in steady state: over a million real ClientHellos sent on loopback,
 * each received in a batch, verified, answered with a HelloVerifyRequest and flushed, the thread's allocated-bytes
 * counter does not move after warm-up.
 * <p>
 * The client is a native socket and the agent runs under an {@link AgentInvoker}, both on the test thread, so all
 * the work is measured. As in {@link MmsgBatchSocketAllocationTest}, up to {@value #MAX_WINDOWS} windows are measured
 * and the last must be exactly zero, so a one-off JIT deoptimisation does not fail the test while an allocation per
 * datagram or per batch, which shows in every window, does.
 */
class VerifierAgentAllocationTest
{
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int BATCH = 64;
    private static final int WARM_UP_RUNS = 64;
    private static final int WARM_UP_HELLOS = 4096;
    private static final int HELLOS = 1_048_576;
    private static final int MAX_WINDOWS = 3;
    private static final int MAX_EMPTY_POLLS = 10_000_000;

    @Test
    @Timeout(180)
    void shouldAllocateNothingOverAMillionHellosAnswered()
    {
        assumeTrue(LibC.isAvailable());
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
            .verifier(new ClientHelloVerifier())
            .clock(() -> NOW_MS)
            .counters(counters)
            .verifierCounters(VerifierCounterSet.allocate(countersManager, 0)));
        final List<Throwable> errors = new ArrayList<>();

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket client = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
        {
            invoker.start();
            final UnsafeBuffer serverAddress = new UnsafeBuffer(loopback.getAddress());
            final int serverPort = agent.socket().localPort();
            final UnsafeBuffer hello = new UnsafeBuffer(VerifierAgentTest.HELLO);
            final AtomicCounter received = counters[WorkerCounter.RECEIVED.ordinal()];
            final int replyLength = expectedReplyLength(hello);

            long replyBytes = 0;
            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                replyBytes += run(invoker, received, client, hello, serverAddress, serverPort, WARM_UP_HELLOS);
            }
            final long overhead = measureOverhead(threads);
            final long[] allocated = new long[MAX_WINDOWS];
            int windows = 0;
            do
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                replyBytes += run(invoker, received, client, hello, serverAddress, serverPort, HELLOS);
                allocated[windows++] = threads.getCurrentThreadAllocatedBytes() - before - overhead;
            }
            while (allocated[windows - 1] != 0 && windows < MAX_WINDOWS);

            assertEquals(0, allocated[windows - 1], "bytes allocated over " + HELLOS + " hellos, per window: " +
                Arrays.toString(allocated) + " (is the JVM running with LibC.JIT_FLAGS?)");
            final long hellos = (long)WARM_UP_RUNS * WARM_UP_HELLOS + (long)windows * HELLOS;
            assertEquals(hellos, received.get());
            assertEquals(hellos, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertEquals(hellos * replyLength, replyBytes);
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * The client sends a batch of hellos, the agent works until it has received them all, the client receives the
     * HelloVerifyRequests; returns the bytes of reply received.
     */
    private static long run(
        final AgentInvoker invoker,
        final AtomicCounter received,
        final BatchSocket client,
        final UnsafeBuffer hello,
        final UnsafeBuffer serverAddress,
        final int serverPort,
        final int hellos)
    {
        long replyBytes = 0;
        for (int sent = 0; sent < hellos; sent += BATCH)
        {
            for (int i = 0; i < BATCH; i++)
            {
                final int slot = client.nextSendSlot();
                client.sendBuffer(slot).putBytes(0, hello, 0, hello.capacity());
                client.stage(slot, hello.capacity(), serverAddress, 0, 4, serverPort);
            }
            for (int attempts = 0; client.sendQueued() > 0; attempts++)
            {
                if (attempts > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client flush stalled");
                }
                client.flush();
            }

            final long target = received.get() + BATCH;
            for (int emptyPolls = 0; received.get() < target; )
            {
                if (invoker.invoke() == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("agent stalled");
                }
            }

            int replies = 0;
            for (int emptyPolls = 0; replies < BATCH; )
            {
                final int count = client.receive();
                if (count == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client stalled");
                }
                for (int i = 0; i < count; i++)
                {
                    replyBytes += client.receiveLength(i);
                }
                replies += count;
            }
        }
        return replyBytes;
    }

    private static int expectedReplyLength(final UnsafeBuffer hello)
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer address = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
        assertEquals(VerifyOutcome.REPLY,
            verifier.verify(hello, 0, hello.capacity(), address, 0, 4, 1, NOW_MS, reply, 0, reply.capacity()));
        assertTrue(verifier.replyLength() > HelloVerifyRequestEncoder.BASE_LENGTH);
        return verifier.replyLength();
    }

    private static long measureOverhead(final com.sun.management.ThreadMXBean threads)
    {
        final long a = threads.getCurrentThreadAllocatedBytes();
        final long b = threads.getCurrentThreadAllocatedBytes();
        return b - a;
    }
}
