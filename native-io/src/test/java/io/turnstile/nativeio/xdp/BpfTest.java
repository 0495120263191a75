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
    /**
     * Whether this process may use bpf(2): tried, because root in a container can lack CAP_BPF.
     */
    static boolean privileged()
    {
        if (!Bpf.isAvailable())
        {
            return false;
        }
        try (BpfMap probe = BpfMap.array(8, 1, false, "test_probe"))
        {
            return probe.fd() >= 0;
        }
        catch (final BpfException ex)
        {
            return false;
        }
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
        assertTrue(thrown.getMessage().startsWith("bpf(BPF_PROG_LOAD test_bad) failed: EACCES (13): the verifier " +
            "rejected the program\nverifier log:\n"), thrown.getMessage());
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
    void shouldNameTheMissingCapabilityOnEperm()
    {
        final BpfException load = Bpf.failure("BPF_PROG_LOAD x", 1, "");
        final BpfException link = Bpf.failure("BPF_LINK_CREATE XDP on ifindex 3", 1, "");

        assertEquals("bpf(BPF_PROG_LOAD x) failed: EPERM (1): bpf(2) needs CAP_BPF (loading an XDP program also " +
            "CAP_NET_ADMIN), or root; kernel.unprivileged_bpf_disabled does not matter then", load.getMessage());
        assertTrue(link.getMessage().endsWith("attaching XDP needs CAP_NET_ADMIN (and CAP_BPF), or root"));
        assertEquals(1, link.errno());
        assertEquals("", link.verifierLog());
    }

    @Test
    @Timeout(10)
    void shouldRunAProgramOnAFrameInTheKernel()
    {
        assumeTrue(privileged());

        try (BpfProgram drop = BpfProgram.loadXdp("test_drop",
            new EbpfAssembler().returnVerdict(EbpfAssembler.XDP_DROP).build()))
        {
            assertEquals(EbpfAssembler.XDP_DROP, Bpf.progTestRun(drop.fd(), new byte[60]));
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
