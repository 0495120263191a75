package io.turnstile.server.handshake;

import org.bouncycastle.tls.DatagramTransport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client-side {@link DatagramTransport} that records every datagram both ways, so a test can read the record and
 * message sequence numbers on the wire; optionally sends every cookie-carrying ClientHello twice (a retransmission).
 */
final class RecordingTransport implements DatagramTransport
{
    private final DatagramTransport delegate;
    private final boolean duplicateCookieHello;
    private final List<byte[]> sent = new ArrayList<>();
    private final List<byte[]> received = new ArrayList<>();

    RecordingTransport(final DatagramTransport delegate, final boolean duplicateCookieHello)
    {
        this.delegate = delegate;
        this.duplicateCookieHello = duplicateCookieHello;
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
        final int length = delegate.receive(buf, off, len, waitMillis);
        if (length > 0)
        {
            synchronized (this)
            {
                received.add(Arrays.copyOfRange(buf, off, off + length));
            }
        }
        return length;
    }

    @Override
    public void send(final byte[] buf, final int off, final int len) throws IOException
    {
        synchronized (this)
        {
            sent.add(Arrays.copyOfRange(buf, off, off + len));
        }
        delegate.send(buf, off, len);
        if (duplicateCookieHello && isClientHello(buf, off, len) && cookieLength(buf, off) > 0)
        {
            delegate.send(buf, off, len);
        }
    }

    @Override
    public void close() throws IOException
    {
        delegate.close();
    }

    synchronized List<byte[]> sent()
    {
        return new ArrayList<>(sent);
    }

    synchronized List<byte[]> received()
    {
        return new ArrayList<>(received);
    }

    static boolean isClientHello(final byte[] b, final int off, final int len)
    {
        return len > 25 && b[off] == 22 && b[off + 13] == 1;
    }

    static boolean isHandshake(final byte[] b, final int type)
    {
        return b.length > 25 && b[0] == 22 && ((b[3] << 8) | (b[4] & 0xFF)) == 0 && b[13] == type;
    }

    static int cookieLength(final byte[] b, final int off)
    {
        final int sessionIdAt = off + 13 + 12 + 2 + 32;
        return b[sessionIdAt + 1 + (b[sessionIdAt] & 0xFF)] & 0xFF;
    }

    static long recordSeq(final byte[] b)
    {
        long seq = 0;
        for (int i = 5; i < 11; i++)
        {
            seq = (seq << 8) | (b[i] & 0xFF);
        }
        return seq;
    }

    static int messageSeq(final byte[] b)
    {
        return ((b[17] & 0xFF) << 8) | (b[18] & 0xFF);
    }
}
