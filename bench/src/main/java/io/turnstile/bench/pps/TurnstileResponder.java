package io.turnstile.bench.pps;

import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.verifier.ClientHelloVerifier;

/**
 * Turnstile itself: the production {@link VerifierAgent} over a {@link MmsgBatchSocket} (recvmmsg, verify in place,
 * HVRs staged into send slots, one sendmmsg), exactly as {@code turnstile serve} runs a worker.
 */
final class TurnstileResponder implements Responder
{
    private final Context context;
    private final AgentHost host = new AgentHost();

    /**
     * A responder, not yet started.
     *
     * @param context configuration, concluded here.
     */
    TurnstileResponder(final Context context)
    {
        this.context = context.conclude();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int start()
    {
        final BatchSocket.Context socketContext = new BatchSocket.Context()
            .bindAddress(context.bindAddress())
            .port(context.port())
            .batchSize(context.batchSize());
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
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
        return host.start(agent);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return "turnstile";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String description()
    {
        return "VerifierAgent + MmsgBatchSocket, batch " + context.batchSize() + ", " +
            context.cookieKeys().algorithm() + " cookies";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        host.close();
    }
}
