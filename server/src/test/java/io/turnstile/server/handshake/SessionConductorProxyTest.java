package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionConductorProxyTest
{
    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
    private final SessionConductorProxy proxy = new SessionConductorProxy(ring);
    private final PeerAddress peer = PeerKey.of(new byte[]{ 10, 0, 0, 7 }, 4433).peer();

    @Test
    void shouldWriteAVerifiedRecordWithWhatTheVerifierKnew()
    {
        final UnsafeBuffer datagram = new UnsafeBuffer(new byte[]{ 22, (byte)0xfe, (byte)0xfd, 1, 2, 3 });
        assertTrue(proxy.verified(3, peer, datagram, 6, 0x0000_1234_5678_9ABCL, 1, true));
        final List<String> records = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
        {
            assertEquals(SessionConductorProxy.VERIFIED, type);
            assertEquals(SessionConductorProxy.VERIFIED_DATAGRAM_OFFSET + 6, length);
            assertEquals(3, buffer.getInt(index + SessionConductorProxy.WORKER_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertTrue(new PeerAddress().wrap(buffer, index + SessionConductorProxy.PEER_OFFSET).equalTo(peer));
            assertEquals(0x0000_1234_5678_9ABCL,
                buffer.getLong(index + SessionConductorProxy.RECORD_SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(1, buffer.getInt(index + SessionConductorProxy.MESSAGE_SEQ_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(SessionConductorProxy.FRAGMENT_FLAG,
                buffer.getInt(index + SessionConductorProxy.FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN));
            records.add(hex(buffer, index + SessionConductorProxy.VERIFIED_DATAGRAM_OFFSET, 6));
        });
        assertEquals(List.of("16fefd010203"), records);
    }

    @Test
    void shouldWriteADatagramRecordAndRefuseWhatTheRingCannotHold()
    {
        final UnsafeBuffer datagram = new UnsafeBuffer(new byte[400]);
        datagram.putByte(399, (byte)0x5A);
        assertTrue(proxy.datagram(0, peer, datagram, 400));
        ring.read((type, buffer, index, length) ->
        {
            assertEquals(SessionConductorProxy.DATAGRAM, type);
            assertEquals(SessionConductorProxy.DATAGRAM_OFFSET + 400, length);
            assertEquals(0x5A, buffer.getByte(index + SessionConductorProxy.DATAGRAM_OFFSET + 399));
        });
        final UnsafeBuffer tooLong = new UnsafeBuffer(new byte[proxy.maxDatagramLength() + 1]);
        assertFalse(proxy.datagram(0, peer, tooLong, tooLong.capacity()), "longer than a record may be");
    }

    private static String hex(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            sb.append(String.format("%02x", buffer.getByte(offset + i)));
        }
        return sb.toString();
    }
}
