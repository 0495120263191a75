package io.turnstile.server.handshake;

import org.bouncycastle.tls.DatagramTransport;

import java.io.IOException;

/**
 * A client-side transport that behaves until it has sent a ClientHello carrying a cookie, then hears nothing: the
 * server has a verified peer whose handshake can never finish, which is what a handshake cap and timeout are for.
 */
final class StallingTransport implements DatagramTransport
{
    private final DatagramTransport delegate;
    private volatile boolean stalled;

    StallingTransport(final DatagramTransport delegate)
    {
        this.delegate = delegate;
    }

    @Override
    public int getReceiveLimit() throws IOException
    {
        return delegate.getReceiveLimit();
    }

    @Override
    public int getSendLimit() throws IOException
    {
        return delegate.getSendLimit();
    }

    @Override
    public int receive(final byte[] buf, final int off, final int len, final int waitMillis) throws IOException
    {
        if (stalled)
        {
            try
            {
                Thread.sleep(waitMillis);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
        return delegate.receive(buf, off, len, waitMillis);
    }

    @Override
    public void send(final byte[] buf, final int off, final int len) throws IOException
    {
        delegate.send(buf, off, len);
        if (RecordingTransport.isClientHello(buf, off, len) && RecordingTransport.cookieLength(buf, off) > 0)
        {
            stalled = true;
        }
    }

    @Override
    public void close() throws IOException
    {
        delegate.close();
    }
}
