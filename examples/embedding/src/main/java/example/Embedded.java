package example;

import io.turnstile.nativeio.VerifierServer;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The README's embedding example: a verifier server on loopback whose workers report each verified peer, run for
 * the number of seconds given, then its counts.
 */
public final class Embedded
{
    public static void main(final String[] args) throws Exception
    {
        final long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
        final AtomicLong verified = new AtomicLong();
        // -- README example starts --
        try (VerifierServer server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)                                          // 0: the kernel picks; a real server names its port
            .workers(1)
            .handlerFactory(worker -> (datagram, length, peer, verifier) ->
                verified.incrementAndGet()))                  // your hand-off: start the handshake for this peer
            .start())
        {
            System.out.println("listening on " + server.localPort());
            Thread.sleep(seconds * 1000);
            final VerifierServer.Snapshot counts = server.snapshot(new VerifierServer.Snapshot());
            System.out.println("received " + counts.received() + ", HelloVerifyRequests " + counts.replies() +
                ", verified " + counts.verified() + " (handler saw " + verified.get() + ")");
        }
        // -- README example ends --
    }
}
