package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.xdp.EbpfAssembler.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R0;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R2;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BpfTest
{
    static boolean privileged()
    {
        return Bpf.isAvailable() && "root".equals(System.getProperty("user.name"));
    }

    @Test
    @Timeout(10)
    void shouldLoadTheVerifiedRedirectProgram()
    {
        assumeTrue(privileged());

        try (BpfMap xsks = BpfMap.xskMap(4, "test_xsks");
            BpfProgram program = BpfProgram.loadXdp("test_redirect",
                EbpfAssemblerTest.portRedirect(41234, xsks.fd())))
        {
            assertTrue(program.fd() > 0);
            assertEquals(25, program.instructionCount());
        }
    }

    @Test
    @Timeout(10)
    void shouldPutTheVerifierLogInTheExceptionWhenALoadFails()
    {
        assumeTrue(privileged());

        // Reads R2, which the program never wrote: the verifier says "R2 !read_ok".
        final byte[] bad = new EbpfAssembler().mov(R0, R2).exit().build();

        final BpfException thrown = assertThrows(BpfException.class, () -> BpfProgram.loadXdp("test_bad", bad));
        // EACCES: the verifier refused the program (EINVAL would mean a malformed attr).
        assertEquals(13, thrown.errno());
        assertTrue(thrown.verifierLog().contains("R2 !read_ok"), thrown.verifierLog());
        assertTrue(thrown.getMessage().contains("BPF_PROG_LOAD test_bad"), thrown.getMessage());
        assertTrue(thrown.getMessage().contains("R2 !read_ok"), thrown.getMessage());
    }

    @Test
    @Timeout(10)
    void shouldRejectAnOutOfBoundsPacketReadWithTheVerifierReason()
    {
        assumeTrue(privileged());

        // Reads the packet without checking data_end.
        final byte[] bad = new EbpfAssembler()
            .load(Size.W, R2, EbpfAssembler.Reg.R1, 0)
            .load(Size.B, R0, R2, 0)
            .exit()
            .build();

        final BpfException thrown = assertThrows(BpfException.class, () -> BpfProgram.loadXdp("test_oob", bad));
        assertTrue(thrown.verifierLog().contains("invalid access to packet"), thrown.verifierLog());
    }

    @Test
    @Timeout(10)
    void shouldUpdateAndSumAPerCpuArray()
    {
        assumeTrue(privileged());

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
        assumeTrue(privileged());

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
    void shouldNameAMissingInterface()
    {
        assumeTrue(Bpf.isAvailable());

        final BpfException thrown = assertThrows(BpfException.class, () -> Bpf.ifIndex("tsbnosuchif"));
        assertTrue(thrown.getMessage().contains("tsbnosuchif"));
        assertEquals(1, Bpf.ifIndex("lo"));
    }

    @Test
    @Timeout(10)
    void shouldCountPossibleCpus()
    {
        assertTrue(Bpf.possibleCpus() >= Runtime.getRuntime().availableProcessors());
        assertEquals(4, JAVA_INT.byteSize());
    }
}
