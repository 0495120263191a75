package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.TlsTimeoutException;

import java.io.IOException;

/**
 * One verified peer's life after the verifier: reassemble its ClientHello, run BouncyCastle's
 * {@link DTLSServerProtocol} on it with sequence continuity, then echo every application-data record back until the
 * peer goes idle or closes. Runs on its own (virtual) thread because BouncyCastle's protocol blocks.
 * <pre>
 *   ASSEMBLING   verified hello (fragment 0) + tail fragments from the queue, bounded by the hello wait
 *   HANDSHAKING  DTLSServerProtocol.accept(server, transport, request), bounded by the handshake timeout
 *   ECHOING      receive(idle timeout) -> send the same bytes back
 *   ended        table.remove(): counted, peer released to the worker, transport closed
 * </pre>
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

    private static final byte[] NO_HELLO = new byte[0];

    private final SessionTable table;
    private final PeerKey peer;
    private final PeerKey address;
    private final PeerTransport transport;
    private final byte[] firstDatagram;
    private final long createdMs;
    private volatile End end = End.NONE;
    private volatile boolean established;
    private long echoed;

    PeerSession(
        final SessionTable table, final PeerKey peer, final PeerTransport transport, final byte[] firstDatagram)
    {
        this.table = table;
        this.peer = peer;
        this.address = peer.addressOnly();
        this.transport = transport;
        this.firstDatagram = firstDatagram;
        this.createdMs = System.currentTimeMillis();
    }

    /**
     * The session's whole life; never throws.
     */
    @Override
    public void run()
    {
        final SessionTable.Context context = table.context();
        DTLSTransport dtls = null;
        End outcome = End.CLOSED;
        try
        {
            final HandshakeFailures failures = table.failures();
            final byte[] hello = assembleHello(context.helloWaitMillis());
            if (null == hello)
            {
                outcome = End.HELLO_TIMED_OUT;
                failures.onTimeout(peer, "the fragmented ClientHello's tail did not arrive within " +
                    context.helloWaitMillis() + " ms");
                return;
            }
            if (hello.length == 0)
            {
                outcome = End.HELLO_REFUSED;
                failures.onOther(peer, "the verified record cannot start a ClientHello reassembly");
                return;
            }
            final DTLSRequest request = context.requestFactory().request(hello, 0, hello.length);
            if (null == request)
            {
                outcome = End.HELLO_REFUSED;
                failures.onOther(peer, "BouncyCastle's DTLSVerifier took no request from the reassembled hello");
                return;
            }
            final int remaining = (int)Math.max(1, context.handshakeTimeoutMillis() -
                (System.currentTimeMillis() - createdMs));
            final FatalAlertRecord alerts = new FatalAlertRecord();
            try
            {
                dtls = new DTLSServerProtocol().accept(
                    context.credentials().newServer(remaining, context.requireSecureRenegotiation(), alerts),
                    transport, request);
            }
            catch (final TlsTimeoutException ex)
            {
                outcome = End.HANDSHAKE_TIMED_OUT;
                failures.onTimeout(peer, "the handshake did not complete within " +
                    context.handshakeTimeoutMillis() + " ms");
                return;
            }
            catch (final IOException | RuntimeException ex)
            {
                outcome = table.isClosed() ? End.SHUTDOWN : End.HANDSHAKE_FAILED;
                if (End.HANDSHAKE_FAILED == outcome)
                {
                    failures.onException(peer, ex, alerts);
                }
                return;
            }
            established = true;
            table.onEstablished(this);
            outcome = echo(dtls, context.idleTimeoutMillis());
        }
        catch (final IOException | RuntimeException ex)
        {
            outcome = table.isClosed() ? End.SHUTDOWN : End.CLOSED;
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
            end = outcome;
            table.remove(this, outcome);
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
        while (!complete)
        {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0)
            {
                return null;
            }
            final byte[] datagram = transport.poll(left);
            if (null == datagram)
            {
                return null;
            }
            complete = assembler.add(datagram, 0, datagram.length);
        }
        return assembler.toRecord();
    }

    private End echo(final DTLSTransport dtls, final int idleTimeoutMillis) throws IOException
    {
        final byte[] buffer = new byte[Math.max(dtls.getReceiveLimit(), 1)];
        while (true)
        {
            final long startMs = System.currentTimeMillis();
            final int length = dtls.receive(buffer, 0, buffer.length, idleTimeoutMillis);
            if (length < 0)
            {
                if (table.isClosed())
                {
                    return End.SHUTDOWN;
                }
                // BouncyCastle closes the transport itself when the peer sends close_notify.
                if (transport.isClosed())
                {
                    return End.CLOSED;
                }
                return System.currentTimeMillis() - startMs >= idleTimeoutMillis ? End.IDLE_TIMED_OUT : End.CLOSED;
            }
            dtls.send(buffer, 0, length);
            echoed++;
            table.onEchoed();
        }
    }

    /**
     * Queue a datagram from the peer (worker thread).
     *
     * @param buffer holding the datagram.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when dropped.
     */
    public boolean offer(final byte[] buffer, final int offset, final int length)
    {
        return transport.offer(buffer, offset, length);
    }

    /**
     * Queue a datagram already copied.
     *
     * @param datagram the datagram, owned by the session from now on.
     * @return false when dropped.
     */
    public boolean offerCopy(final byte[] datagram)
    {
        return transport.offerCopy(datagram);
    }

    /**
     * Stop the session: its thread wakes and ends.
     */
    public void close()
    {
        transport.close();
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

    PeerKey address()
    {
        return address;
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
