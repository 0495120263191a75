package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.BatchSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * With a two-queue veth, two workers (AF_XDP socket of queue i + kernel socket i of one reuseport group) and the
 * steering program, each flow's first hello (through AF_XDP, by the queue it arrived on) and its next record (through
 * a kernel socket, chosen by the steering program) reach the same worker. Root only.
 */
class RxQueueSteeringTest
{
    private static final int PORT = 41237;
    private static final int FLOWS = 30;
    private static final Executor OWN_THREAD = (task) -> new Thread(task).start();

    @Test
    @Timeout(60)
    void shouldSteerEachFlowsKernelDatagramsToTheWorkerOfItsRxQueue() throws Exception
    {
        final VethNetwork network = VethNetwork.create(2);
        assumeTrue(null != network);
        try (network)
        {
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicBoolean stop = new AtomicBoolean();
            final CompletableFuture<Map<Integer, int[]>> server = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return network.inServer(() -> serve(network.serverInterface(), ready, stop), 50);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, OWN_THREAD);
            try
            {
                assertTrue(ready.await(20, TimeUnit.SECONDS), "server never became ready");
                network.inClient(RxQueueSteeringTest::flows, 40);
                Thread.sleep(500);
            }
            finally
            {
                stop.set(true);
            }
            final Map<Integer, int[]> workers = server.get(20, TimeUnit.SECONDS);
            assertEquals(FLOWS, workers.size(), "flows seen");
            int onQueue1 = 0;
            for (final Map.Entry<Integer, int[]> flow : workers.entrySet())
            {
                assertEquals(flow.getValue()[0], flow.getValue()[1],
                    "port " + flow.getKey() + ": hello at worker " + flow.getValue()[0] + ", record at worker " +
                    flow.getValue()[1]);
                onQueue1 += flow.getValue()[0];
            }
            assertTrue(onQueue1 > 0 && onQueue1 < FLOWS, "the flows used both queues: " + onQueue1 + " on queue 1");
        }
    }

    private static Map<Integer, int[]> serve(
        final String interfaceName, final CountDownLatch ready, final AtomicBoolean stop) throws Exception
    {
        final InetAddress address = InetAddress.getByName(VethNetwork.SERVER_V4);
        final Map<Integer, int[]> flows = new HashMap<>();
        final XdpWorkerSocket[] sockets = new XdpWorkerSocket[2];
        try (XdpFilter filter = XdpFilter.open(new XdpFilter.Context().address(address).port(PORT).queues(2)
            .mode(XdpMode.DRIVER)).attach(interfaceName))
        {
            for (int q = 0; q < 2; q++)
            {
                sockets[q] = new XdpWorkerSocket(new XdpBatchSocket.Context().interfaceName(interfaceName).queueId(q)
                    .ringSize(512).frameCount(2048), new BatchSocket.Context().bindAddress(address).port(PORT), null);
                filter.registerSocket(q, sockets[q].xdpSocket().fd());
            }
            RxQueueSteering.attach(sockets[0].kernelSocket().fd(), RxQueueSteering.offsetFor(interfaceName));
            ready.countDown();
            while (!stop.get())
            {
                for (int q = 0; q < 2; q++)
                {
                    final int received = sockets[q].receive();
                    for (int i = 0; i < received; i++)
                    {
                        final int port = sockets[q].received(i).peer().port();
                        final boolean hello = sockets[q].received(i).buffer().getByte(0) == 22;
                        flows.computeIfAbsent(port, (p) -> new int[]{-1, -1})[hello ? 0 : 1] = q;
                    }
                }
                Thread.onSpinWait();
            }
        }
        finally
        {
            for (final XdpWorkerSocket socket : sockets)
            {
                if (null != socket)
                {
                    socket.close();
                }
            }
        }
        return flows;
    }

    private static Void flows() throws Exception
    {
        final InetSocketAddress server =
            new InetSocketAddress(InetAddress.getByName(VethNetwork.SERVER_V4), PORT);
        final byte[] hello = Datagrams.clientHello(0, 0);
        final byte[] record = Datagrams.record(23, 1, 20);
        for (int i = 0; i < FLOWS; i++)
        {
            try (DatagramSocket socket = new DatagramSocket(
                new InetSocketAddress(InetAddress.getByName(VethNetwork.CLIENT_V4), 0)))
            {
                socket.send(new DatagramPacket(hello, hello.length, server));
                Thread.sleep(2);
                socket.send(new DatagramPacket(record, record.length, server));
                Thread.sleep(2);
            }
        }
        return null;
    }
}
