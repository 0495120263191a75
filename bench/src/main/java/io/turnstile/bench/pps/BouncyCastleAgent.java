package io.turnstile.bench.pps;

import io.turnstile.tools.Captures;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.Agent;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSVerifier;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;

/**
 * The issue-4 "BouncyCastle behind an NIO loop" baseline: the same non-blocking {@link DatagramChannel} busy loop as
 * {@link NioAgent}, with BouncyCastle's {@link DTLSVerifier} (bctls, {@link BcTlsCrypto}, its own HMAC-SHA256
 * cookies) in place of Turnstile's verifier. BouncyCastle's API takes byte arrays, so the datagram is received into a
 * heap buffer and the client id (address then port, what Turnstile binds) is a new array per datagram, as any
 * application of {@code verifyRequest} must build it. The channel and the counts are {@link NioResponderChannel}'s,
 * shared with {@link NioAgent}.
 */
final class BouncyCastleAgent implements Agent, DatagramSender
{
    private static final int SLOT_BYTES = 2048;

    private final Responder.Context context;
    private final AgentHost host;
    private final NioResponderChannel socket;
    private final DTLSVerifier verifier = new DTLSVerifier(new BcTlsCrypto(new SecureRandom()));
    private final ByteBuffer receive = ByteBuffer.allocate(SLOT_BYTES);
    private SocketAddress peer;
    private boolean answered;
    private boolean sent;

    BouncyCastleAgent(final Responder.Context context, final AgentHost host)
    {
        this.context = context;
        this.host = host;
        this.socket = new NioResponderChannel(context);
    }

    @Override
    public void onStart()
    {
        socket.startOn(host);
    }

    @Override
    public String roleName()
    {
        return "pps-bc-" + context.workerId();
    }

    @Override
    public int doWork() throws IOException
    {
        receive.clear();
        final SocketAddress source = socket.channel().receive(receive);
        if (null == source)
        {
            socket.publish();
            return 0;
        }
        final InetSocketAddress address = (InetSocketAddress)source;
        final byte[] clientId = Captures.clientId(address.getAddress().getAddress(), address.getPort());

        peer = source;
        answered = false;
        sent = false;
        final DTLSRequest request = verifier.verifyRequest(clientId, receive.array(), 0, receive.position(), this);
        socket.count(null != request ? VerifyOutcome.VERIFIED : answered ? VerifyOutcome.REPLY : VerifyOutcome.DROP,
            sent);
        return 1;
    }

    @Override
    public int getSendLimit()
    {
        return 1500;
    }

    @Override
    public void send(final byte[] buf, final int off, final int len)
    {
        answered = true;
        try
        {
            sent = socket.channel().send(ByteBuffer.wrap(buf, off, len), peer) > 0;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void onClose()
    {
        socket.close();
    }
}
