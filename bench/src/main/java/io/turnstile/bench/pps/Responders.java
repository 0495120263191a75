package io.turnstile.bench.pps;

import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.verifier.ClientHelloVerifier;

import java.util.List;

/**
 * The responders the harness knows, by the names the command line and the reports use.
 */
final class Responders
{
    /** Every responder, in the order a full run measures them. */
    static final List<String> NAMES = List.of("turnstile", "mmsg-nocrypto", "netty", "nio", "bc");

    private Responders()
    {
    }

    /**
     * Build a responder, not yet started.
     *
     * @param name    one of {@link #NAMES}.
     * @param context its configuration.
     * @return the responder.
     * @throws IllegalArgumentException for an unknown name.
     */
    static Responder create(final String name, final Responder.Context context)
    {
        final Responder.Context c = context;
        final String df = c.dontFragment() ? ", DF set" : "";
        return switch (name)
        {
            case "turnstile" -> new AgentHost(name, "VerifierAgent + MmsgBatchSocket, batch " + c.batchSize() + ", " +
                c.cookieKeys().algorithm() + " cookies", host -> turnstile(c, host));
            case "mmsg-nocrypto" -> new AgentHost(name, "MmsgBatchSocket recvmmsg/sendmmsg, batch " + c.batchSize() +
                ", fixed 60-byte reply, no parsing, no crypto", host -> new MmsgNoCryptoAgent(c, host));
            case "netty" -> new NettyEpollResponder(c);
            case "nio" -> new AgentHost(name, "NIO DatagramChannel busy loop, receive/verify/send one at a time, " +
                "direct buffers, " + c.cookieKeys().algorithm() + " cookies" + df, host -> new NioAgent(c, host));
            case "bc" -> new AgentHost(name, "BouncyCastle DTLSVerifier (BcTlsCrypto, HMAC-SHA256 cookies) behind an " +
                "NIO busy loop" + df, host -> new BouncyCastleAgent(c, host));
            default -> throw new IllegalArgumentException("responder must be one of " + NAMES + ", got " + name);
        };
    }

    /**
     * Turnstile itself: the production {@link VerifierAgent} over a {@link MmsgBatchSocket} (recvmmsg, verify in
     * place, HVRs staged into send slots, one sendmmsg), exactly as {@code turnstile serve} runs a worker.
     */
    private static VerifierAgent turnstile(final Responder.Context context, final AgentHost host)
    {
        final BatchSocket.Context socketContext = new BatchSocket.Context()
            .bindAddress(context.bindAddress())
            .port(context.port())
            .batchSize(context.batchSize());
        return new VerifierAgent(new VerifierAgent.Context()
            .workerId(context.workerId())
            .sockets(() ->
            {
                final MmsgBatchSocket socket = new MmsgBatchSocket(socketContext);
                host.bound().complete(socket.localPort());
                return socket;
            })
            .verifier(new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(context.cookieKeys())))
            .counters(context.counters())
            .cpu(context.cpu()));
    }

    /**
     * Whether a responder has a batch size to vary: the NIO loops take one datagram per system call.
     *
     * @param name responder name.
     * @return true for turnstile, mmsg-nocrypto and netty.
     */
    static boolean batches(final String name)
    {
        return !"nio".equals(name) && !"bc".equals(name);
    }
}
