package io.turnstile.nativeio;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The receive, stage and flush path allocates nothing in steady state: over a million datagrams through a server
 * socket on loopback, each answered, the thread's allocated-bytes counter does not move after warm-up.
 * <p>
 * Warm-up calls {@code run} many times so the JIT compiles it as a method, not only as an on-stack replacement the
 * measured call would re-enter through the interpreter. A late deoptimisation can still send the loop through
 * lower-tier code for a moment, where the JIT does not scalar-replace the slice the FFM linker makes of the errno
 * capture segment (40 bytes per system call); so up to {@value AllocationWindows#MAX_WINDOWS} windows of a million datagrams are
 * measured and the last must be exactly zero. A real allocation per datagram or per batch shows in every window.
 * <p>
 * Client and server are both native sockets on the test thread, so everything the thread does is under
 * measurement and nothing needs a second thread (the sockets are confined to the thread that opened them).
 */
class MmsgBatchSocketAllocationTest
{
    private static final PeerScratch SCRATCH = new PeerScratch();
    private static final int BATCH = 64;
    private static final int WARM_UP_RUNS = 64;
    private static final int WARM_UP_DATAGRAMS = 4096;
    private static final int DATAGRAMS = 1_048_576;
    private static final int MAX_EMPTY_POLLS = 10_000_000;
    private static final int LENGTH = 200;

    @Test
    @Timeout(120)
    void shouldAllocateNothingOverAMillionDatagramsReceivedAndAnswered()
    {
        assumeTrue(LibC.isAvailable());
        final AllocationWindows allocation = AllocationWindows.assumeSupported();

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        try (MmsgBatchSocket server = new MmsgBatchSocket(new BatchSocket.Context()
            .bindAddress(loopback).batchSize(BATCH));
            MmsgBatchSocket client = new MmsgBatchSocket(new BatchSocket.Context()
                .bindAddress(loopback).batchSize(BATCH)))
        {
            final UnsafeBuffer serverAddress = new UnsafeBuffer(loopback.getAddress());
            final int serverPort = server.localPort();

            long checksum = 0;
            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                checksum += run(client, server, serverAddress, serverPort, WARM_UP_DATAGRAMS);
            }
            checksum += allocation.measure(() -> run(client, server, serverAddress, serverPort, DATAGRAMS));

            assertEquals(0, allocation.lastAllocated(), "bytes allocated over " + DATAGRAMS + " datagrams, per " +
                "window: " + allocation + " (is the JVM running with LibC.JIT_FLAGS?)");
            assertEquals((WARM_UP_RUNS * expectedChecksum(WARM_UP_DATAGRAMS)) +
                allocation.windows() * expectedChecksum(DATAGRAMS), checksum);
            assertEquals(0, server.sendFailed());
            assertEquals(0, client.sendFailed());
        }
    }

    /**
     * Client sends a batch, server receives it and answers every datagram, client receives the answers; each datagram
     * carries its sequence number and the answer carries it back plus one, summed into a checksum.
     */
    private static long run(
        final BatchSocket client,
        final BatchSocket server,
        final UnsafeBuffer serverAddress,
        final int serverPort,
        final int datagrams)
    {
        long checksum = 0;
        for (int sent = 0; sent < datagrams; sent += BATCH)
        {
            for (int i = 0; i < BATCH; i++)
            {
                final int slot = client.nextSendSlot();
                client.sendBuffer(slot).putInt(0, sent + i, BIG_ENDIAN);
                client.stage(slot, LENGTH, SCRATCH.at(serverAddress, 0, 4, serverPort));
            }
            flushAll(client);

            int answered = 0;
            int emptyPolls = 0;
            while (answered < BATCH)
            {
                final int received = server.receive();
                if (received == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("server stalled");
                }
                for (int i = 0; i < received; i++)
                {
                    final int slot = server.nextSendSlot();
                    final int sequence = server.received(i).buffer().getInt(0, BIG_ENDIAN);
                    server.sendBuffer(slot).putInt(0, sequence + 1, BIG_ENDIAN);
                    server.stageReply(slot, server.received(i).length() / 2, i);
                }
                answered += received;
                flushAll(server);
            }

            int replies = 0;
            emptyPolls = 0;
            while (replies < BATCH)
            {
                final int received = client.receive();
                if (received == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client stalled");
                }
                for (int i = 0; i < received; i++)
                {
                    if (client.received(i).length() != LENGTH / 2 || client.received(i).peer().port() != serverPort)
                    {
                        throw new AssertionError("unexpected reply");
                    }
                    checksum += client.received(i).buffer().getInt(0, BIG_ENDIAN);
                }
                replies += received;
            }
        }
        return checksum;
    }

    private static void flushAll(final BatchSocket socket)
    {
        for (int attempts = 0; socket.sendQueued() > 0; attempts++)
        {
            if (attempts > MAX_EMPTY_POLLS)
            {
                throw new AssertionError("flush stalled");
            }
            socket.flush();
        }
    }

    private static long expectedChecksum(final int datagrams)
    {
        final long n = datagrams;
        return n * (n - 1) / 2 + n;
    }
}
