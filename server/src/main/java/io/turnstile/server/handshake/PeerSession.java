package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.TlsTimeoutException;

import java.io.IOException;

/**
 * One verified peer's life after the verifier: reassemble its ClientHello, run BouncyCastle's
 * {@link DTLSServerProtocol} on it with sequence continuity, then echo every application-data record back until the
 * peer goes idle or closes. Runs on a thread of its own, started by the {@link SessionConductor}, because
 * BouncyCastle's protocol blocks; it hears from its owner only through its {@link PeerTransport} and tells it what
 * happened only through {@link SessionEvents}, so it knows nothing of the table that holds it.
 * <pre>
 *   ASSEMBLING   verified hello (fragment 0) + tail fragments from the transport, until the hello wait
 *   HANDSHAKING  DTLSServerProtocol.accept(server, transport, request), until the handshake timeout
 *   ESTABLISHED  receive -&gt; send the same bytes back, until the idle timeout
 *   ended        events.onEnded: the conductor removes it, counts it, releases the peer
 * </pre>
 * The conductor keeps the three deadlines and expires the transport's phase when one passes; the session's own waits
 * are only a backstop, {@value #BACKSTOP_MS} ms later, should the conductor have stopped.
 */
public final class PeerSession implements Runnable
{
    /** How a session ended, for the table's counters. */
    public enum End
    {
        /** Still running. */
        NONE,
        /** The hello's tail fragments did not arrive in time. */
        HELLO_TIMED_OUT,
        /** The reassembled hello was not one BouncyCastle could take. */
        HELLO_REFUSED,
        /** BouncyCastle's handshake timed out. */
        HANDSHAKE_TIMED_OUT,
        /** The handshake failed (alert, bad Finished, I/O). */
        HANDSHAKE_FAILED,
        /** Established, then no datagram for the idle timeout. */
        IDLE_TIMED_OUT,
        /** Established, then closed by the peer or by an error. */
        CLOSED,
        /** Closed because the server shut down. */
        SHUTDOWN
    }

    /** How much later than the conductor's deadlines the session's own waits give up. */
    public static final int BACKSTOP_MS = 1_000;
    private static final byte[] NO_HELLO = new byte[0];

    private final PeerKey peer;
    private final PeerKey address;
    private final int worker;
    private final PeerTransport transport;
    private final byte[] firstDatagram;
    private final long verifiedRecordSequenceNumber;
    private final int verifiedMessageSeq;
    private final SessionSettings settings;
    private final HandshakeFailures failures;
    private final SessionEvents events;
    private final long createdMs;
    private volatile End end = End.NONE;
    private volatile boolean established;
    private volatile boolean shutdown;
    private long echoed;
    boolean countedEstablished;
    long lastHeardMs;
    long offeredAtSweep;
    int slot = -1;
    int expiredPhase = -1;
    int tableIndex = -1;

    /**
     * A session, not yet running.
     *
     * @param peer                         the peer; kept.
     * @param worker                       the link id of the worker whose socket the peer talks to.
     * @param transport                    the peer's transport.
     * @param firstDatagram                the datagram holding the verified hello; kept.
     * @param verifiedRecordSequenceNumber the verified hello's record sequence number, as the verifier read it.
     * @param verifiedMessageSeq           its message_seq.
     * @param settings                     timeouts, credentials and the request factory.
     * @param failures                     where failed handshakes are counted by cause.
     * @param events                       told when the session is established, echoes and ends.
     */
    public PeerSession(
        final PeerKey peer,
        final int worker,
        final PeerTransport transport,
        final byte[] firstDatagram,
        final long verifiedRecordSequenceNumber,
        final int verifiedMessageSeq,
        final SessionSettings settings,
        final HandshakeFailures failures,
        final SessionEvents events)
    {
        this.peer = peer;
        this.address = peer.addressOnly();
        this.worker = worker;
        this.transport = transport;
        this.firstDatagram = firstDatagram;
        this.verifiedRecordSequenceNumber = verifiedRecordSequenceNumber;
        this.verifiedMessageSeq = verifiedMessageSeq;
        this.settings = settings;
        this.failures = failures;
        this.events = events;
        this.createdMs = System.currentTimeMillis();
    }

    /**
     * The session's whole life; never throws.
     */
    @Override
    public void run()
    {
        final SessionSettings settings = this.settings;
        DTLSTransport dtls = null;
        End outcome = End.CLOSED;
        try
        {
            final byte[] hello = assembleHello(settings.helloWaitMillis() + BACKSTOP_MS);
            if (null == hello)
            {
                outcome = End.HELLO_TIMED_OUT;
                failures.onTimeout(peer, "the fragmented ClientHello's tail did not arrive within " +
                    settings.helloWaitMillis() + " ms");
                return;
            }
            if (hello.length == 0)
            {
                outcome = End.HELLO_REFUSED;
                failures.onOther(peer, "the verified record cannot start a ClientHello reassembly");
                return;
            }
            final DTLSRequest request = settings.requestFactory().request(hello, 0, hello.length);
            if (null == request)
            {
                outcome = End.HELLO_REFUSED;
                failures.onOther(peer, "BouncyCastle's DTLSVerifier took no request from the reassembled hello");
                return;
            }
            final int remaining = (int)Math.max(1, settings.handshakeTimeoutMillis() + BACKSTOP_MS -
                (System.currentTimeMillis() - createdMs));
            transport.phase(PeerTransport.HANDSHAKING);
            final FatalAlertRecord alerts = new FatalAlertRecord();
            final SessionHandler handler = settings.sessionHandler();
            final TlsServer server;
            try
            {
                server = null == settings.serverFactory() ?
                    settings.credentials().newServer(remaining, settings.requireSecureRenegotiation(), alerts) :
                    settings.serverFactory().newServer(peer, hello);
                dtls = new DTLSServerProtocol().accept(server, transport, request);
            }
            catch (final TlsTimeoutException ex)
            {
                outcome = End.HANDSHAKE_TIMED_OUT;
                final String cause = "the handshake did not complete within " + settings.handshakeTimeoutMillis() +
                    " ms";
                failures.onTimeout(peer, cause);
                tellFailed(handler, cause);
                return;
            }
            catch (final IOException | RuntimeException ex)
            {
                outcome = shutdown ? End.SHUTDOWN : End.HANDSHAKE_FAILED;
                if (End.HANDSHAKE_FAILED == outcome)
                {
                    tellFailed(handler, failures.onException(peer, ex, alerts));
                }
                return;
            }
            transport.phase(PeerTransport.ESTABLISHED);
            established = true;
            events.onEstablished(this);
            outcome = null == handler ? echo(dtls, settings.idleTimeoutMillis() + BACKSTOP_MS) :
                serve(handler, server, dtls);
        }
        catch (final IOException | RuntimeException ex)
        {
            outcome = shutdown ? End.SHUTDOWN : End.CLOSED;
        }
        finally
        {
            if (null != dtls)
            {
                try
                {
                    dtls.close();
                }
                catch (final IOException | RuntimeException ignore)
                {
                    // The peer may already be gone; the session ends either way.
                }
            }
            transport.close();
            transport.drainToPool();
            end = outcome;
            events.onEnded(this);
        }
    }

    /**
     * The verified hello as one record: null when its tail did not arrive in time, {@link #NO_HELLO} when the
     * verified record cannot start one.
     */
    private byte[] assembleHello(final long waitMillis) throws IOException
    {
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        final long deadline = System.currentTimeMillis() + waitMillis;
        boolean complete = assembler.add(firstDatagram, 0, firstDatagram.length);
        if (assembler.isRefused())
        {
            // The verified hello is not one the assembler takes; nothing that follows may stand in for it.
            return NO_HELLO;
        }
        byte[] buffer = null;
        while (!complete)
        {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0)
            {
                return null;
            }
            if (null == buffer)
            {
                buffer = new byte[transport.getReceiveLimit()];
            }
            final int length = transport.receive(buffer, 0, buffer.length, (int)Math.min(left, Integer.MAX_VALUE));
            if (length < 0)
            {
                return null;
            }
            complete = assembler.add(buffer, 0, length);
        }
        return assembler.toRecord();
    }

    private void tellFailed(final SessionHandler handler, final String cause)
    {
        if (null != handler)
        {
            try
            {
                handler.onHandshakeFailed(peer, cause);
            }
            catch (final RuntimeException ignore)
            {
                // The application's callback must not stop the session's bookkeeping; the failure is counted.
            }
        }
    }

    private End serve(final SessionHandler handler, final TlsServer server, final DTLSTransport dtls)
    {
        try
        {
            handler.onEstablished(peer, server, dtls);
            return shutdown ? End.SHUTDOWN : End.CLOSED;
        }
        catch (final PeerTransport.IdleExpiredException ex)
        {
            return End.IDLE_TIMED_OUT;
        }
        catch (final IOException | RuntimeException ex)
        {
            return shutdown ? End.SHUTDOWN : transport.isExpired() ? End.IDLE_TIMED_OUT : End.CLOSED;
        }
    }

    private End echo(final DTLSTransport dtls, final int idleTimeoutMillis) throws IOException
    {
        final byte[] buffer = new byte[Math.max(dtls.getReceiveLimit(), 1)];
        while (true)
        {
            final long startMs = System.currentTimeMillis();
            final int length;
            try
            {
                length = dtls.receive(buffer, 0, buffer.length, idleTimeoutMillis);
            }
            catch (final PeerTransport.IdleExpiredException ex)
            {
                return End.IDLE_TIMED_OUT;
            }
            if (length < 0)
            {
                if (shutdown)
                {
                    return End.SHUTDOWN;
                }
                // BouncyCastle closes the transport itself when the peer sends close_notify.
                if (transport.isClosed())
                {
                    return End.CLOSED;
                }
                if (transport.isExpired())
                {
                    return End.IDLE_TIMED_OUT;
                }
                return System.currentTimeMillis() - startMs >= idleTimeoutMillis ? End.IDLE_TIMED_OUT : End.CLOSED;
            }
            dtls.send(buffer, 0, length);
            echoed++;
            events.onEchoed(this);
        }
    }

    /**
     * Stop the session because the server shuts down: its thread wakes and ends {@link End#SHUTDOWN}. Any thread.
     */
    public void close()
    {
        shutdown = true;
        transport.close();
    }

    /**
     * When the conductor made the session, for its hello and handshake deadlines.
     *
     * @return epoch milliseconds.
     */
    public long createdMs()
    {
        return createdMs;
    }

    /**
     * The peer.
     *
     * @return its key.
     */
    public PeerKey peer()
    {
        return peer;
    }

    /**
     * The key the per-address cap counts this session under (see {@link PeerKey#addressOnly()}).
     *
     * @return the key.
     */
    public PeerKey address()
    {
        return address;
    }

    /**
     * The link id of the worker whose socket the peer talks to.
     *
     * @return the id.
     */
    public int worker()
    {
        return worker;
    }

    /**
     * The verified hello's record sequence number, as the verifier read it.
     *
     * @return the 48-bit sequence number.
     */
    public long verifiedRecordSequenceNumber()
    {
        return verifiedRecordSequenceNumber;
    }

    /**
     * The verified hello's message_seq.
     *
     * @return the value.
     */
    public int verifiedMessageSeq()
    {
        return verifiedMessageSeq;
    }

    /**
     * The transport BouncyCastle runs over.
     *
     * @return the transport.
     */
    public PeerTransport transport()
    {
        return transport;
    }

    /**
     * Whether the handshake completed.
     *
     * @return true once established.
     */
    public boolean isEstablished()
    {
        return established;
    }

    /**
     * How the session ended.
     *
     * @return {@link End#NONE} while it runs.
     */
    public End end()
    {
        return end;
    }

    /**
     * Application-data records echoed (read by the session's own thread; racy elsewhere).
     *
     * @return the count.
     */
    public long echoed()
    {
        return echoed;
    }
}
