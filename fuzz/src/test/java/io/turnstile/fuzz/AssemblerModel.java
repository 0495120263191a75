package io.turnstile.fuzz;

/**
 * The contract of {@code ClientHelloAssembler}, written out from its Javadoc as plainly as possible, for the fuzzer to
 * hold the real one against.
 * <ul>
 *     <li>A datagram is walked record by record while a whole record header and record remain.</li>
 *     <li>A record is a fragment of a hello when it is handshake(22), epoch 0, holds a 12-byte handshake header of
 *     client_hello(1) whose fragment fits in the record and in the message, and the message is not longer than the
 *     limit.</li>
 *     <li>Only the first record offered may start the hello, and only as fragment 0: it fixes message_seq, the length,
 *     the record version and the record sequence number. If it does not, nothing is ever taken (refused).</li>
 *     <li>Later fragments count only for the same message_seq and length, and only when every byte they carry that
 *     has already arrived is the same.</li>
 * </ul>
 */
final class AssemblerModel
{
    private final int maxLength;
    private byte[] body;
    private boolean[] arrived;
    private int messageSeq = -1;
    private int recordVersion;
    private long recordSequenceNumber = -1;
    private boolean refused;

    AssemblerModel(final int maxLength)
    {
        this.maxLength = maxLength;
    }

    boolean add(final byte[] datagram)
    {
        if (refused)
        {
            return false;
        }
        int at = 0;
        while (datagram.length - at >= 13)
        {
            final int recordLength = read(datagram, at + 11, 2);
            if (at + 13 + recordLength > datagram.length)
            {
                break;
            }
            offer(datagram, at, recordLength);
            if (null == body)
            {
                break;
            }
            at += 13 + recordLength;
        }
        if (null == body)
        {
            refused = true;
        }
        return isComplete();
    }

    private void offer(final byte[] datagram, final int at, final int recordLength)
    {
        if (datagram[at] != 22 || read(datagram, at + 3, 2) != 0 || recordLength < 12)
        {
            return;
        }
        final int header = at + 13;
        final int msgType = datagram[header] & 0xFF;
        final int length = read(datagram, header + 1, 3);
        final int seq = read(datagram, header + 4, 2);
        final int fragmentOffset = read(datagram, header + 6, 3);
        final int fragmentLength = read(datagram, header + 9, 3);
        if (msgType != 1 || 12 + fragmentLength > recordLength || length > maxLength ||
            fragmentOffset + fragmentLength > length)
        {
            return;
        }
        final int data = header + 12;
        if (null == body)
        {
            if (fragmentOffset != 0)
            {
                return;
            }
            body = new byte[length];
            arrived = new boolean[length];
            messageSeq = seq;
            recordVersion = read(datagram, at + 1, 2);
            recordSequenceNumber = ((long)read(datagram, at + 5, 3) << 24) | read(datagram, at + 8, 3);
        }
        else
        {
            if (seq != messageSeq || length != body.length)
            {
                return;
            }
            for (int i = 0; i < fragmentLength; i++)
            {
                if (arrived[fragmentOffset + i] && body[fragmentOffset + i] != datagram[data + i])
                {
                    return;
                }
            }
        }
        for (int i = 0; i < fragmentLength; i++)
        {
            body[fragmentOffset + i] = datagram[data + i];
            arrived[fragmentOffset + i] = true;
        }
    }

    boolean isComplete()
    {
        if (null == body)
        {
            return false;
        }
        for (final boolean b : arrived)
        {
            if (!b)
            {
                return false;
            }
        }
        return true;
    }

    boolean isRefused()
    {
        return refused;
    }

    boolean hasStarted()
    {
        return null != body;
    }

    int messageSeq()
    {
        return messageSeq;
    }

    long recordSequenceNumber()
    {
        return recordSequenceNumber;
    }

    byte[] toRecord()
    {
        final byte[] record = new byte[25 + body.length];
        record[0] = 22;
        write(record, 1, 2, recordVersion);
        write(record, 5, 3, recordSequenceNumber >>> 24);
        write(record, 8, 3, recordSequenceNumber);
        write(record, 11, 2, 12 + body.length);
        record[13] = 1;
        write(record, 14, 3, body.length);
        write(record, 17, 2, messageSeq);
        write(record, 22, 3, body.length);
        System.arraycopy(body, 0, record, 25, body.length);
        return record;
    }

    private static int read(final byte[] bytes, final int at, final int count)
    {
        int value = 0;
        for (int i = 0; i < count; i++)
        {
            value = (value << 8) | (bytes[at + i] & 0xFF);
        }
        return value;
    }

    private static void write(final byte[] bytes, final int at, final int count, final long value)
    {
        for (int i = 0; i < count; i++)
        {
            bytes[at + i] = (byte)(value >>> (8 * (count - 1 - i)));
        }
    }
}
