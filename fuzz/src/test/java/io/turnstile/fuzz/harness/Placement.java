package io.turnstile.fuzz.harness;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Puts a datagram at an offset inside off-heap memory whose other bytes hold a canary pattern, and hands out an
 * {@link UnsafeBuffer} over it whose capacity ends {@code slack} bytes after the datagram. With no slack a read past
 * the datagram's end fails Agrona's bounds check and throws; with slack it reads canary bytes, so a decision that
 * depends on bytes outside the datagram differs between two placements with different canaries. Writes are caught by
 * {@link #isIntact(byte[])}.
 */
public final class Placement
{
    /** Longest datagram plus offset plus slack a placement holds. */
    public static final int CAPACITY = 70 * 1024;

    private final ByteBuffer memory = ByteBuffer.allocateDirect(CAPACITY);
    private final UnsafeBuffer whole = new UnsafeBuffer(memory);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final int seed;
    private int offset;
    private int end;

    /**
     * A placement whose canary pattern comes from a seed.
     *
     * @param seed different for placements that are compared.
     */
    public Placement(final int seed)
    {
        this.seed = seed;
    }

    /**
     * Write the canary everywhere, the datagram at an offset, and wrap the view.
     *
     * @param datagram bytes.
     * @param offset   where the datagram starts in the view.
     * @param slack    canary bytes readable after the datagram.
     * @return the view: the datagram is at {@code [offset, offset + datagram.length)}, capacity ends after slack.
     */
    public UnsafeBuffer place(final byte[] datagram, final int offset, final int slack)
    {
        this.offset = offset;
        this.end = offset + datagram.length + slack;
        for (int i = 0; i < end; i++)
        {
            whole.putByte(i, canary(i));
        }
        whole.putBytes(offset, datagram);
        view.wrap(whole.addressOffset(), end);
        return view;
    }

    /**
     * Whether the datagram and every canary byte are as {@link #place} left them.
     *
     * @param datagram as placed.
     * @return true when nothing was written.
     */
    public boolean isIntact(final byte[] datagram)
    {
        for (int i = 0; i < end; i++)
        {
            final int inDatagram = i - offset;
            final byte expected = inDatagram >= 0 && inDatagram < datagram.length ? datagram[inDatagram] : canary(i);
            if (whole.getByte(i) != expected)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The offset the datagram was placed at.
     *
     * @return the offset.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * A byte array holding the datagram at an offset among canary bytes, for byte-array APIs.
     *
     * @param datagram bytes.
     * @param offset   where they go.
     * @param slack    canary bytes after them; 0 makes the array end where the datagram does.
     * @param seed     of the canary pattern.
     * @return the array.
     */
    public static byte[] array(final byte[] datagram, final int offset, final int slack, final int seed)
    {
        final byte[] array = new byte[offset + datagram.length + slack];
        for (int i = 0; i < array.length; i++)
        {
            array[i] = canary(seed, i);
        }
        System.arraycopy(datagram, 0, array, offset, datagram.length);
        return array;
    }

    /**
     * Where a buffer first holds something other than a fill byte, for checking nothing was written around a reply.
     *
     * @param buffer to scan.
     * @param from   first index scanned.
     * @param to     index after the last scanned.
     * @param fill   the byte expected.
     * @return the first index that differs, or -1.
     */
    public static int firstDifference(final UnsafeBuffer buffer, final int from, final int to, final byte fill)
    {
        for (int i = from; i < to; i++)
        {
            if (buffer.getByte(i) != fill)
            {
                return i;
            }
        }
        return -1;
    }

    private byte canary(final int index)
    {
        return canary(seed, index);
    }

    private static byte canary(final int seed, final int index)
    {
        // Not constant, so that no length or type check passes by chance in both placements alike.
        return (byte)(seed * 0x9E + index * 0x3B + (index >>> 8));
    }
}
