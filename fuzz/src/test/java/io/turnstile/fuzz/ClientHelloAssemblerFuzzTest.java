package io.turnstile.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnstile.fuzz.harness.Captures;
import io.turnstile.fuzz.harness.Hellos;
import io.turnstile.fuzz.harness.Placement;
import io.turnstile.server.handshake.ClientHelloAssembler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the fragment reassembler of the hand-off, {@link ClientHelloAssembler}, with sequences of datagrams: raw
 * bytes, the real {@code openssl -mtu 256} fragment pair, and the real whole hellos cut into fragments that overlap,
 * repeat, come out of order, change message_seq or length, or have a byte flipped, packed one to three records to a
 * datagram. The first datagram plays the verified one. For every sequence:
 * <ul>
 *     <li>nothing throws, and nothing outside a datagram is read: two assemblers get the same datagrams, one in arrays
 *     that end where the datagram does and one among canary bytes at another offset, and must agree on everything;
 *     neither writes into a datagram;</li>
 *     <li>they agree with {@link AssemblerModel}, the class's contract written out independently;</li>
 *     <li>the rebuilt record keeps the verified record's version and sequence numbers and every byte of the verified
 *     fragment; it is a single unfragmented record;</li>
 *     <li>a first record the {@link HelloOracle} accepts (one the verifier could have verified) starts the hello
 *     unless it is longer than {@link ClientHelloAssembler#MAX_HELLO_LENGTH}, and an unfragmented one is rebuilt
 *     byte for byte at once; a first record that cannot start a hello refuses everything after it.</li>
 * </ul>
 */
class ClientHelloAssemblerFuzzTest
{
    private static final byte[] FRAGMENT_0 = Captures.load(Captures.FRAGMENT_0);
    private static final byte[] FRAGMENT_1 = Captures.load(Captures.FRAGMENT_1);

    private final HelloOracle oracle = HelloOracle.forVerifier();

    @FuzzTest(maxDuration = "10s")
    void shouldKeepExactlyTheVerifiedFragmentAndReadNothingElse(final FuzzedDataProvider data)
    {
        final List<byte[]> datagrams = datagrams(data);
        final ClientHelloAssembler exact = new ClientHelloAssembler();
        final ClientHelloAssembler padded = new ClientHelloAssembler();
        final AssemblerModel model = new AssemblerModel(ClientHelloAssembler.MAX_HELLO_LENGTH);

        for (int i = 0; i < datagrams.size(); i++)
        {
            final byte[] datagram = datagrams.get(i);
            final int offset = 1 + (i * 7 & 15);
            final byte[] exactArray = Placement.array(datagram, offset, 0, 1);
            final byte[] paddedArray = Placement.array(datagram, offset + 13, 40, 2);
            final byte[] exactCopy = exactArray.clone();
            final byte[] paddedCopy = paddedArray.clone();

            final boolean completeExact = exact.add(exactArray, offset, datagram.length);
            final boolean completePadded = padded.add(paddedArray, offset + 13, datagram.length);
            final boolean completeModel = model.add(datagram);

            assertArrayEquals(exactCopy, exactArray, "the assembler wrote into a datagram");
            assertArrayEquals(paddedCopy, paddedArray, "the assembler wrote into a datagram");
            assertEquals(completeExact, completePadded, "the outcome depends on bytes outside the datagram");
            assertEquals(completeModel, completeExact, "complete after datagram " + i);
            assertEquals(model.isRefused(), exact.isRefused(), "refused after datagram " + i);
            assertEquals(model.isRefused(), padded.isRefused());
            assertEquals(model.hasStarted(), exact.hasStarted(), "started after datagram " + i);
            assertEquals(model.hasStarted(), padded.hasStarted());
            assertEquals(model.messageSeq(), exact.messageSeq());
            assertEquals(model.messageSeq(), padded.messageSeq());
            assertEquals(model.recordSequenceNumber(), exact.recordSequenceNumber());
            assertEquals(model.recordSequenceNumber(), padded.recordSequenceNumber());
            if (0 == i)
            {
                checkVerifiedRecordStartsTheHello(datagram, exact);
            }
        }

        if (!model.isComplete())
        {
            assertThrows(IllegalStateException.class, exact::toRecord);
            return;
        }
        final byte[] record = exact.toRecord();
        assertArrayEquals(record, padded.toRecord());
        assertArrayEquals(model.toRecord(), record, "the rebuilt record is not what the contract says");
        checkRecordKeepsTheVerifiedFragment(datagrams.get(0), record);
    }

    private void checkVerifiedRecordStartsTheHello(final byte[] first, final ClientHelloAssembler assembler)
    {
        final HelloOracle.Hello hello = oracle.parse(first);
        if (null == hello)
        {
            return;
        }
        if (hello.messageLength() > ClientHelloAssembler.MAX_HELLO_LENGTH)
        {
            assertTrue(assembler.isRefused(), "a hello longer than the assembler takes must end the session");
            return;
        }
        assertTrue(assembler.hasStarted() && !assembler.isRefused(), "a hello the verifier accepts was not taken");
        if (!hello.fragmented())
        {
            assertTrue(assembler.isComplete(), "a whole verified hello is complete at once");
            assertArrayEquals(Arrays.copyOf(first, hello.recordLength()), assembler.toRecord(),
                "a whole verified hello is rebuilt byte for byte");
        }
    }

    private static void checkRecordKeepsTheVerifiedFragment(final byte[] first, final byte[] record)
    {
        final int length = (int)Hellos.unsigned(first, 13 + 1, 3);
        final int fragmentLength = (int)Hellos.unsigned(first, 13 + 9, 3);
        assertEquals(25 + length, record.length);
        assertArrayEquals(Arrays.copyOfRange(first, 0, 3), Arrays.copyOfRange(record, 0, 3), "type and version");
        assertEquals(0, Hellos.unsigned(record, 3, 2), "epoch");
        assertArrayEquals(Arrays.copyOfRange(first, 5, 11), Arrays.copyOfRange(record, 5, 11), "sequence number");
        assertEquals(12 + length, Hellos.unsigned(record, 11, 2), "record length");
        assertArrayEquals(Arrays.copyOfRange(first, 13, 19), Arrays.copyOfRange(record, 13, 19),
            "msg_type, length and message_seq of the verified fragment");
        assertEquals(0, Hellos.unsigned(record, 19, 3), "fragment_offset");
        assertEquals(length, Hellos.unsigned(record, 22, 3), "fragment_length");
        assertArrayEquals(Arrays.copyOfRange(first, 25, 25 + fragmentLength),
            Arrays.copyOfRange(record, 25, 25 + fragmentLength), "the verified bytes were changed");
    }

    /**
     * Turns the fuzzer's bytes into datagrams: raw, the real fragment pair, or a real hello cut into fragments.
     */
    static List<byte[]> datagrams(final FuzzedDataProvider data)
    {
        final List<byte[]> records = new ArrayList<>();
        final List<byte[]> datagrams = new ArrayList<>();
        switch (data.consumeInt(0, 3))
        {
            case 0 ->
            {
                final int count = data.consumeInt(1, 6);
                for (int i = 0; i < count; i++)
                {
                    datagrams.add(data.consumeBytes(data.consumeInt(0, 400)));
                }
                return datagrams;
            }
            case 1 ->
            {
                final int count = data.consumeInt(1, 5);
                for (int i = 0; i < count; i++)
                {
                    records.add(mutate(data, (data.consumeBoolean() ? FRAGMENT_1 : FRAGMENT_0).clone()));
                }
            }
            default -> fragment(data, Captures.whole(data.consumeInt(0, Captures.WHOLE.size() - 1)), records);
        }
        for (int i = 0; i < records.size(); )
        {
            final int take = Math.min(records.size() - i, data.consumeInt(1, 3));
            int length = 0;
            for (int j = 0; j < take; j++)
            {
                length += records.get(i + j).length;
            }
            final byte[] datagram = new byte[length];
            int at = 0;
            for (int j = 0; j < take; j++)
            {
                final byte[] record = records.get(i + j);
                System.arraycopy(record, 0, datagram, at, record.length);
                at += record.length;
            }
            datagrams.add(datagram);
            i += take;
        }
        return datagrams;
    }

    private static void fragment(final FuzzedDataProvider data, final byte[] hello, final List<byte[]> records)
    {
        final int length = (int)Hellos.unsigned(hello, 14, 3);
        final byte[] body = Arrays.copyOfRange(hello, 25, 25 + length);
        final int cuts = data.consumeInt(0, 4);
        final int[] bounds = new int[cuts + 2];
        bounds[cuts + 1] = length;
        for (int i = 1; i <= cuts; i++)
        {
            bounds[i] = data.consumeInt(0, length);
        }
        Arrays.sort(bounds);
        final List<int[]> pieces = new ArrayList<>();
        for (int i = 0; i <= cuts; i++)
        {
            pieces.add(new int[]{bounds[i], bounds[i + 1] - bounds[i]});
        }
        final int extra = data.consumeInt(0, 2);
        for (int i = 0; i < extra; i++)
        {
            final int start = data.consumeInt(0, length);
            pieces.add(data.consumeInt(0, pieces.size()), new int[]{start, data.consumeInt(0, length - start)});
        }
        if (data.consumeInt(0, 5) == 0)
        {
            // Usually fragment 0 comes first, as the verified record always is; sometimes a later one leads.
            final int[] first = pieces.remove(0);
            pieces.add(data.consumeInt(0, pieces.size()), first);
        }
        final long sequence = Hellos.unsigned(hello, 5, 6);
        for (int i = 0; i < pieces.size(); i++)
        {
            final int start = pieces.get(i)[0];
            final int fragmentLength = pieces.get(i)[1];
            final byte[] record = new byte[25 + fragmentLength];
            System.arraycopy(hello, 0, record, 0, 25);
            Hellos.putUnsigned(record, 5, 6, sequence + i);
            Hellos.putUnsigned(record, 11, 2, 12 + fragmentLength);
            Hellos.putUnsigned(record, 19, 3, start);
            Hellos.putUnsigned(record, 22, 3, fragmentLength);
            System.arraycopy(body, start, record, 25, fragmentLength);
            records.add(mutate(data, record));
        }
    }

    private static byte[] mutate(final FuzzedDataProvider data, final byte[] record)
    {
        switch (data.consumeInt(0, 11))
        {
            case 0 -> record[data.consumeInt(0, record.length - 1)] ^= (byte)data.consumeInt(1, 255);
            case 1 -> Hellos.putUnsigned(record, 17, 2, data.consumeInt(0, 3));
            case 2 -> Hellos.putUnsigned(record, 14, 3, data.consumeInt(0, ClientHelloAssembler.MAX_HELLO_LENGTH + 2));
            case 3 -> Hellos.putUnsigned(record, 19, 3, data.consumeInt(0, 300));
            case 4 -> Hellos.putUnsigned(record, 11, 2, data.consumeInt(0, record.length));
            case 5 ->
            {
                return Arrays.copyOf(record, data.consumeInt(0, record.length));
            }
            default ->
            {
            }
        }
        return record;
    }
}
