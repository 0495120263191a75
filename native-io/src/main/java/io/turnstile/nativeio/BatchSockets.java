package io.turnstile.nativeio;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Opens the best {@link BatchSocket} the platform has: {@link MmsgBatchSocket} where {@link LibC#isAvailable()},
 * else {@link NioBatchSocket}, so a server runs everywhere and runs fast on Linux without the caller choosing.
 */
public final class BatchSockets
{
    private static final AtomicBoolean FALLBACK_NOTICED = new AtomicBoolean();

    private BatchSockets()
    {
    }

    /**
     * Open and bind a socket on the calling thread (the native one is confined to it).
     * <p>
     * The first time in a process that NIO is used because the native socket is unavailable, one line goes to
     * {@link BatchSocket.Context#notice()}: a server that silently runs several times slower is hard to diagnose.
     * Forcing NIO with {@link BatchSocket.Context#forceNio(boolean)} says nothing, as the caller asked for it.
     *
     * @param context configuration, concluded here.
     * @return the socket; the caller closes it.
     */
    public static BatchSocket open(final BatchSocket.Context context)
    {
        return open(context, LibC.isAvailable(), FALLBACK_NOTICED);
    }

    static BatchSocket open(
        final BatchSocket.Context context, final boolean nativeAvailable, final AtomicBoolean fallbackNoticed)
    {
        context.conclude();
        if (context.forceNio())
        {
            return new NioBatchSocket(context);
        }
        if (nativeAvailable)
        {
            return new MmsgBatchSocket(context);
        }
        if (fallbackNoticed.compareAndSet(false, true))
        {
            context.notice().accept("turnstile: recvmmsg/sendmmsg unavailable on " + System.getProperty("os.name") +
                " " + System.getProperty("os.arch") + ", using NIO DatagramChannel (one system call per datagram)");
        }
        return new NioBatchSocket(context);
    }
}
