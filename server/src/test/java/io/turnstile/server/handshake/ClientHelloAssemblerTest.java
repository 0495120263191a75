package io.turnstile.server.handshake;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reassembly of the real fragmented cookie hello {@code openssl s_client -dtls1_2 -mtu 256} sent (two records, two
 * datagrams) into the one record BouncyCastle's request needs.
 */
class ClientHelloAssemblerTest
{
    private static final byte[] FRAGMENT_0 = Corpus.load("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
    private static final byte[] FRAGMENT_1 = Corpus.load("openssl-dtls12-mtu256-ch2-cookie-frag2.bin");

    @Test
    void shouldReassembleFragmentsIntoOneRecordWithTheFirstFragmentsSequenceNumber()
    {
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertFalse(assembler.add(FRAGMENT_0, 0, FRAGMENT_0.length));
        assertTrue(assembler.add(FRAGMENT_1, 0, FRAGMENT_1.length));

        final byte[] record = assembler.toRecord();
        final int bodyLength = 0xd4;
        assertEquals(13 + 12 + bodyLength, record.length);
        assertEquals(1, assembler.recordSequenceNumber(), "fragment 0's record sequence number, not fragment 1's");
        assertEquals(1, assembler.messageSeq());
        assertArrayEquals(Arrays.copyOfRange(FRAGMENT_0, 0, 11), Arrays.copyOfRange(record, 0, 11),
            "type, version, epoch and sequence number of fragment 0");
        assertEquals(12 + bodyLength, ((record[11] & 0xFF) << 8) | (record[12] & 0xFF));
        assertEquals(0, record[19] | record[20] | record[21], "fragment_offset 0");
        assertEquals(bodyLength, ((record[22] & 0xFF) << 16) | ((record[23] & 0xFF) << 8) | (record[24] & 0xFF));
        final int head = FRAGMENT_0.length - 25;
        assertArrayEquals(Arrays.copyOfRange(FRAGMENT_0, 25, FRAGMENT_0.length), Arrays.copyOfRange(record, 25,
            25 + head));
        assertArrayEquals(Arrays.copyOfRange(FRAGMENT_1, 25, FRAGMENT_1.length), Arrays.copyOfRange(record, 25 + head,
            record.length));
    }

    @Test
    void shouldTakeAWholeHelloAtOnce()
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertTrue(assembler.add(hello, 0, hello.length));
        assertArrayEquals(hello, assembler.toRecord(), "an unfragmented hello is rebuilt byte for byte");
    }

    @Test
    void shouldIgnoreDuplicatesAndRecordsOfOtherMessages()
    {
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assembler.add(FRAGMENT_0, 0, FRAGMENT_0.length);
        assertFalse(assembler.add(FRAGMENT_0, 0, FRAGMENT_0.length), "a retransmitted fragment 0 adds nothing");
        final byte[] otherMessage = FRAGMENT_1.clone();
        otherMessage[13 + 5] = 2;
        assertFalse(assembler.add(otherMessage, 0, otherMessage.length), "a fragment of message_seq 2 is not ours");
        final byte[] truncated = Arrays.copyOf(FRAGMENT_1, FRAGMENT_1.length - 1);
        assertFalse(assembler.add(truncated, 0, truncated.length), "a record longer than its datagram is ignored");
        assertTrue(assembler.add(FRAGMENT_1, 0, FRAGMENT_1.length));
    }

    @Test
    void shouldWaitForFragmentZero()
    {
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertFalse(assembler.add(FRAGMENT_1, 0, FRAGMENT_1.length));
        assertFalse(assembler.hasStarted());
        assertThrows(IllegalStateException.class, assembler::toRecord);
    }

    @Test
    void shouldNotLetALaterFragmentChangeBytesOfTheVerifiedFragment()
    {
        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertFalse(assembler.add(FRAGMENT_0, 0, FRAGMENT_0.length));
        final byte[] forged = FRAGMENT_0.clone();
        forged[25 + 2 + 5] ^= 0x55;
        assertFalse(assembler.add(forged, 0, forged.length), "a fragment 0 that disagrees with the verified one");
        assertTrue(assembler.add(FRAGMENT_1, 0, FRAGMENT_1.length));

        final byte[] record = assembler.toRecord();
        assertArrayEquals(Arrays.copyOfRange(FRAGMENT_0, 25, FRAGMENT_0.length),
            Arrays.copyOfRange(record, 25, FRAGMENT_0.length), "the verified random is kept as it was verified");
    }

    @Test
    void shouldNotLetASecondRecordOfTheVerifiedDatagramReplaceTheHello()
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final byte[] forged = hello.clone();
        forged[25 + 2 + 5] ^= 0x55;
        final byte[] datagram = Arrays.copyOf(hello, hello.length * 2);
        System.arraycopy(forged, 0, datagram, hello.length, forged.length);

        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertTrue(assembler.add(datagram, 0, datagram.length));
        assertArrayEquals(hello, assembler.toRecord(), "only the verified first record makes the hello");
    }

    @Test
    void shouldRefuseEverythingWhenTheVerifiedRecordCannotStartTheHello()
    {
        final byte[] oversized = FRAGMENT_0.clone();
        final int length = ClientHelloAssembler.MAX_HELLO_LENGTH + 1;
        oversized[14] = (byte)(length >>> 16);
        oversized[15] = (byte)(length >>> 8);
        oversized[16] = (byte)length;
        final byte[] unverified = Corpus.load("openssl-dtls12-ch2-cookie.bin");

        final ClientHelloAssembler assembler = new ClientHelloAssembler();
        assertFalse(assembler.add(oversized, 0, oversized.length));
        assertTrue(assembler.isRefused());
        assertFalse(assembler.add(unverified, 0, unverified.length), "a later whole hello was never verified");
        assertFalse(assembler.hasStarted());
        assertThrows(IllegalStateException.class, assembler::toRecord);
    }
}
