package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.xdp.EbpfAssembler.Alu;
import io.turnstile.nativeio.xdp.EbpfAssembler.Jump;
import io.turnstile.nativeio.xdp.EbpfAssembler.Size;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R0;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R1;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R10;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R2;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R3;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R4;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R5;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EbpfAssemblerTest
{
    /** The 25-instruction program of XDP.md, verified by the kernel, for port 41234 and map fd 3. */
    static final String VERIFIED_REDIRECT =
        "bf16000000000000" +
        "6162000000000000" +
        "6163040000000000" +
        "bf24000000000000" +
        "070400002a000000" +
        "2d34110000000000" +
        "69250c0000000000" +
        "55050f0008000000" +
        "71250e0000000000" +
        "55050d0045000000" +
        "7125170000000000" +
        "55050b0011000000" +
        "6925140000000000" +
        "570500003fff0000" +
        "5505080000000000" +
        "6925240000000000" +
        "55050600a1120000" +
        "6162100000000000" +
        "1811000003000000" +
        "0000000000000000" +
        "b703000002000000" +
        "8500000033000000" +
        "9500000000000000" +
        "b700000002000000" +
        "9500000000000000";

    /**
     * The XDP.md program written with the assembler: IPv4 UDP to a port, redirected to the XSKMAP entry of the RX
     * queue, everything else passed.
     */
    static byte[] portRedirect(final int port, final int xskMapFd)
    {
        return new EbpfAssembler()
            .mov(R6, R1)
            .load(Size.W, R2, R6, 0)
            .load(Size.W, R3, R6, 4)
            .mov(R4, R2)
            .add(R4, 42)
            .jump(Jump.JGT, R4, R3, "pass")
            .load(Size.H, R5, R2, 12)
            .jump(Jump.JNE, R5, EbpfAssembler.be16(0x0800), "pass")
            .load(Size.B, R5, R2, 14)
            .jump(Jump.JNE, R5, 0x45, "pass")
            .load(Size.B, R5, R2, 23)
            .jump(Jump.JNE, R5, 17, "pass")
            .load(Size.H, R5, R2, 20)
            .and(R5, EbpfAssembler.be16(0x3fff))
            .jump(Jump.JNE, R5, 0, "pass")
            .load(Size.H, R5, R2, 36)
            .jump(Jump.JNE, R5, EbpfAssembler.be16(port), "pass")
            .load(Size.W, R2, R6, 16)
            .loadMapFd(R1, xskMapFd)
            .mov(R3, EbpfAssembler.XDP_PASS)
            .call(EbpfAssembler.HELPER_REDIRECT_MAP)
            .exit()
            .label("pass")
            .returnVerdict(EbpfAssembler.XDP_PASS)
            .build();
    }

    @Test
    void shouldEncodeTheVerifiedRedirectProgramByteForByte()
    {
        final byte[] program = portRedirect(41234, 3);

        assertEquals(25 * EbpfAssembler.INSTRUCTION_BYTES, program.length);
        assertEquals(VERIFIED_REDIRECT, HexFormat.of().formatHex(program));
    }

    @Test
    void shouldResolveBackwardJumpsToNegativeOffsets()
    {
        final byte[] program = new EbpfAssembler()
            .label("top")
            .mov(R0, 1)
            .jump(Jump.JEQ, R0, 0, "top")
            .exit()
            .build();

        // jeq at index 1 jumps to index 0: offset 0 - 1 - 1 = -2 (0xfffe little-endian).
        assertEquals("1500feff00000000", HexFormat.of().formatHex(program, 8, 16));
    }

    @Test
    void shouldEncodeStoresSwapsAnd32BitJumps()
    {
        final byte[] program = new EbpfAssembler()
            .storeImm(Size.W, R10, -4, 7)
            .store(Size.DW, R10, -16, R1)
            .toBigEndian(R5, 16)
            .jump32(Jump.JNE, R5, EbpfAssembler.be32(0xc0a80180), "out")
            .alu32(Alu.MOV, R0, 2)
            .label("out")
            .loadImm64(R2, 0x1_0000_0002L)
            .exit()
            .build();

        assertArrayEquals(HexFormat.of().parseHex(
            "620afcff07000000" +
            "7b1af0ff00000000" +
            "dc05000010000000" +
            "56050100c0a80180" +
            "b400000002000000" +
            "1802000002000000" +
            "0000000001000000" +
            "9500000000000000"), program);
    }

    @Test
    void shouldRefuseAJumpToALabelNeverBound()
    {
        final EbpfAssembler assembler = new EbpfAssembler().jumpAlways("nowhere").exit();

        final IllegalStateException thrown = assertThrows(IllegalStateException.class, assembler::build);
        assertTrue(thrown.getMessage().contains("nowhere"));
    }

    @Test
    void shouldRefuseALabelBoundTwice()
    {
        final EbpfAssembler assembler = new EbpfAssembler().label("a").exit();

        assertThrows(IllegalStateException.class, () -> assembler.label("a"));
    }
}
