package io.turnstile.bench.pps;

import io.turnstile.bench.Captures;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.MmsgBatchSocket;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The harness's own flood: real UDP sockets, one per source address 127.1.x.y, each sending batches of the template
 * ClientHello (its 32-byte random re-drawn per datagram) to the responder with sendmmsg through
 * {@link MmsgBatchSocket#stage}/{@link MmsgBatchSocket#flush}, round robin over the sources, from one pinned thread.
 * Every source socket carries a {@link DropAllFilter}, so the responder's replies are dropped in the kernel: no
 * receive queue fills and no ICMP port-unreachable storm (topology "udp-sinks").
 * <p>
 * At a target rate the thread sends a batch whenever the datagrams due by now reach a batch, so the offered load is
 * smooth to within one batch; at max rate it sends as fast as its core allows. Bounded by duration and packets.
 * Every source socket is bound to an ephemeral port, so a source is (address, port): {@code sources} distinct peers.
 */
public final class LoopbackUdpFlood implements Flood
{
    private static final int BATCH = 64;
    private static final int SLOT_BYTES = 512;
    private static final int SINK_RECEIVE_BYTES = 4096;

    private final Context context;
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean done;
    private volatile Throwable failure;
    private volatile long sendFailed;

    /**
     * A flood, not yet started.
     *
     * @param context what to send where, concluded here.
     */
    public LoopbackUdpFlood(final Context context)
    {
        this.context = context.conclude();
        this.thread = new Thread(this::run, "pps-flood");
        this.thread.setDaemon(true);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void start()
    {
        if (!LibC.isAvailable())
        {
            throw new IllegalStateException("the loopback flood needs the native sendmmsg bindings (x86_64 Linux)");
        }
        thread.start();
    }

    private void run()
    {
        final MmsgBatchSocket[] sockets = new MmsgBatchSocket[context.sources()];
        try
        {
            if (context.cpu() >= 0)
            {
                final int errno = LibC.pinCurrentThread(context.cpu());
                if (errno != 0)
                {
                    throw new IllegalStateException("sched_setaffinity cpu " + context.cpu() + ": errno " + errno);
                }
            }
            for (int i = 0; i < sockets.length; i++)
            {
                sockets[i] = new MmsgBatchSocket(new BatchSocket.Context()
                    .bindAddress(source(i))
                    .batchSize(BATCH)
                    .slotBytes(SLOT_BYTES)
                    .reusePort(false)
                    .receiveBufferBytes(SINK_RECEIVE_BYTES));
                DropAllFilter.attach(sockets[i].fd());
            }
            send(sockets);
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            long failed = 0;
            for (final MmsgBatchSocket socket : sockets)
            {
                if (null != socket)
                {
                    failed += socket.sendFailed();
                    socket.close();
                }
            }
            sendFailed = failed;
            done = true;
        }
    }

    private void send(final MmsgBatchSocket[] sockets)
    {
        final byte[] hello = Captures.load(context.template());
        if (hello.length > SLOT_BYTES)
        {
            throw new IllegalArgumentException("template " + context.template() + " is " + hello.length +
                " bytes, more than a flood slot of " + SLOT_BYTES);
        }
        final UnsafeBuffer template = new UnsafeBuffer(hello);
        final UnsafeBuffer target = new UnsafeBuffer(context.target().getAddress());
        final int targetLength = target.capacity();
        final int port = context.port();
        final int length = hello.length;
        final SplittableRandom random = new SplittableRandom();
        final long ratePps = context.ratePps();
        final long maxPackets = context.maxPackets();
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(context.durationMs());
        long total = 0;
        int next = 0;
        while (running && total < maxPackets)
        {
            final long nowNs = System.nanoTime();
            if (nowNs >= deadlineNs)
            {
                break;
            }
            int batch = (int)Math.min(BATCH, maxPackets - total);
            if (ratePps > 0)
            {
                final long due = (long)((nowNs - startNs) * (ratePps / 1e9)) - total;
                if (due < batch)
                {
                    if (due <= 0)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    batch = (int)due;
                }
            }
            final MmsgBatchSocket socket = sockets[next];
            next = next + 1 == sockets.length ? 0 : next + 1;
            for (int i = 0; i < batch; i++)
            {
                final int slot = socket.nextSendSlot();
                if (slot < 0)
                {
                    break;
                }
                final UnsafeBuffer buffer = socket.sendBuffer(slot);
                buffer.putBytes(0, template, 0, length);
                final int randomAt = Captures.RANDOM_OFFSET;
                buffer.putLong(randomAt, random.nextLong());
                buffer.putLong(randomAt + 8, random.nextLong());
                buffer.putLong(randomAt + 16, random.nextLong());
                buffer.putLong(randomAt + 24, random.nextLong());
                socket.stage(slot, length, target, 0, targetLength, port);
            }
            total += socket.flush();
            sent.setRelease(total);
        }
    }

    private static InetAddress source(final int index)
    {
        final int host = index + 1;
        try
        {
            return InetAddress.getByAddress(new byte[]{127, 1, (byte)(host >>> 8), (byte)host});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("four bytes are always an address", ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sent()
    {
        return sent.getAcquire();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isDone()
    {
        return done;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Datagrams the kernel refused, summed over the sources once the flood has stopped.
     *
     * @return count, 0 while running.
     */
    public long sendFailed()
    {
        return sendFailed;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String topology()
    {
        return "udp-sinks: " + context.sources() + " UDP sockets on 127.1.x.y (one per source, ephemeral ports) " +
            "-> loopback -> responder; replies dropped in the kernel by a drop-all BPF filter on each source " +
            "(no ICMP); template " + context.template();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        running = false;
        if (thread.isAlive())
        {
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
