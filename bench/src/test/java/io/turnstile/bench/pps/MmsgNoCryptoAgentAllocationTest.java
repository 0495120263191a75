package io.turnstile.bench.pps;

import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.tools.Captures;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
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
 * The no-crypto baseline is a fair ceiling only if it is as frugal as Turnstile's worker: over a million real hellos
 * received, answered and flushed, its duty cycle allocates nothing after warm-up (thread allocated bytes; the agent
 * and the client both run on the test thread under an {@link AgentInvoker}). As in native-io's allocation tests, up
 * to {@value #MAX_WINDOWS} windows are measured and the last must be exactly zero.
 */
class MmsgNoCryptoAgentAllocationTest
{
    private static final int BATCH = 64;
    private static final int WARM_UP_RUNS = 64;
    private static final int WARM_UP_HELLOS = 4096;
    private static final int HELLOS = 1_048_576;
    private static final int MAX_WINDOWS = 10;
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
        final AgentHost host = new AgentHost("mmsg-nocrypto", "under test", ignored -> null);
        final MmsgNoCryptoAgent agent = new MmsgNoCryptoAgent(
            new Responder.Context(CookieKeys.random(), counters, loopback, 0, BATCH, -1, 0, false), host);
        final List<Throwable> errors = new ArrayList<>();

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket client = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
        {
            invoker.start();
            final int serverPort = host.bound().getNow(-1);
            assertTrue(serverPort > 0, "the agent reported its port");
            final PeerAddress server = PeerAddress.of(new InetSocketAddress(loopback, serverPort));
            final UnsafeBuffer hello = new UnsafeBuffer(Captures.load("openssl-dtls12-ch1-nocookie.bin"));
            final AtomicCounter received = counters[WorkerCounter.RECEIVED.ordinal()];

            long replyBytes = 0;
            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                replyBytes += run(invoker, received, client, hello, server, WARM_UP_HELLOS);
            }
            final long first = threads.getCurrentThreadAllocatedBytes();
            final long overhead = threads.getCurrentThreadAllocatedBytes() - first;
            final long[] allocated = new long[MAX_WINDOWS];
            int windows = 0;
            do
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                replyBytes += run(invoker, received, client, hello, server, HELLOS);
                allocated[windows++] = threads.getCurrentThreadAllocatedBytes() - before - overhead;
            }
            while (allocated[windows - 1] != 0 && windows < MAX_WINDOWS);

            assertEquals(0, allocated[windows - 1], "bytes allocated over " + HELLOS + " hellos, per window: " +
                Arrays.toString(allocated) + " (is the JVM running with LibC.JIT_FLAGS?)");
            final long hellos = (long)WARM_UP_RUNS * WARM_UP_HELLOS + (long)windows * HELLOS;
            assertEquals(hellos, received.get());
            assertEquals(hellos, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(hellos * MmsgNoCryptoAgent.REPLY_LENGTH, replyBytes);
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    private static long run(
        final AgentInvoker invoker,
        final AtomicCounter received,
        final BatchSocket client,
        final UnsafeBuffer hello,
        final PeerAddress server,
        final int hellos)
    {
        long replyBytes = 0;
        for (int sent = 0; sent < hellos; sent += BATCH)
        {
            for (int i = 0; i < BATCH; i++)
            {
                final int slot = client.nextSendSlot();
                client.sendBuffer(slot).putBytes(0, hello, 0, hello.capacity());
                client.stage(slot, hello.capacity(), server);
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
                    replyBytes += client.received(i).length();
                }
                replies += count;
            }
        }
        return replyBytes;
    }
}
