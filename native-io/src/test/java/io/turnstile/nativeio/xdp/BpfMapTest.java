package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BpfMapTest
{
    @Test
    @Timeout(10)
    void shouldUpdateAndSumAPerCpuArray()
    {
        assumeTrue(BpfTest.privileged());

        try (BpfMap counters = BpfMap.array(8, 4, true, "test_counters");
            Arena arena = Arena.ofConfined())
        {
            final int cpus = Bpf.possibleCpus();
            final MemorySegment value = arena.allocate(counters.perCpuValueBytes(), 8);
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                value.set(JAVA_LONG, cpu * 8L, 10 + cpu);
            }
            counters.put(2, value);

            assertEquals(cpus * 10L + (long)cpus * (cpus - 1) / 2, counters.sumLong(2));
            assertEquals(0, counters.sumLong(1));
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseASocketThatIsNotAnAfXdpSocketInAnXskMap()
    {
        assumeTrue(BpfTest.privileged());

        try (BpfMap xsks = BpfMap.xskMap(2, "test_xsks"))
        {
            // Standard input is no AF_XDP socket.
            final BpfException thrown = assertThrows(BpfException.class, () -> xsks.putInt(0, 0));
            assertTrue(thrown.getMessage().startsWith("bpf(BPF_MAP_UPDATE_ELEM) failed"), thrown.getMessage());
            // The kernel deletes an empty XSKMAP slot without complaint: unregistering twice is harmless.
            xsks.remove(1);
            assertThrows(IllegalArgumentException.class, () -> xsks.putInt(2, 0));
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseKeysOutsideTheMapBeforeAskingTheKernel()
    {
        assumeTrue(BpfTest.privileged());

        try (BpfMap array = BpfMap.array(4, 3, false, "test_array"))
        {
            array.putInt(2, 42);
            assertThrows(IllegalArgumentException.class, () -> array.putInt(3, 1));
            assertThrows(IllegalArgumentException.class, () -> array.putInt(-1, 1));
            assertThrows(IllegalStateException.class, () -> array.sumLong(2));
            assertEquals(3, array.maxEntries());
        }
    }
}
