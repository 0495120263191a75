package io.turnstile.nativeio.xdp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small assembler for eBPF instructions: named registers and opcodes, forward and backward jumps to named labels
 * that {@link #build()} resolves, 64-bit immediates and map references, helper calls. Enough to write an XDP program
 * in Java and load it with {@link Bpf#progLoadXdp}, with no compiler and no ELF.
 * <p>
 * Each instruction is 8 bytes, little-endian (the kernel's {@code struct bpf_insn}; the kernel docs'
 * "instruction-set.rst"):
 * <pre>
 *   0      1          2      4
 *  +------+----------+------+--------------+
 *  |opcode|src4|dst4 |off16 |    imm32     |
 *  +------+----------+------+--------------+
 *  opcode = operation | source (K immediate 0x00, X register 0x08) | class
 *  class: LD 0 LDX 1 ST 2 STX 3 ALU 4 JMP 5 JMP32 6 ALU64 7; memory size: W 0x00 H 0x08 B 0x10 DW 0x18
 * </pre>
 * A jump's offset counts instructions from the one after the jump. {@code ld_imm64} takes two slots: the low 32 bits
 * of the constant in the first, the high 32 bits in the second; with {@code src = BPF_PSEUDO_MAP_FD (1)} the
 * constant is a map's file descriptor, which the kernel replaces with the map's address when it loads the program.
 * <p>
 * Byte order: loads from a packet read network-order fields as little-endian numbers, so compare them with constants
 * byte-swapped the same way ({@link #be16(int)}) or swap the register ({@link #toBigEndian(Reg, int)}).
 * <p>
 * Not thread safe; one assembler builds one program.
 */
public final class EbpfAssembler
{
    /** Bytes of one instruction. */
    public static final int INSTRUCTION_BYTES = 8;

    /** Helper {@code void *bpf_map_lookup_elem(map, key)}: a pointer to the value, or NULL. */
    public static final int HELPER_MAP_LOOKUP_ELEM = 1;
    /** Helper {@code u64 bpf_ktime_get_ns(void)}: CLOCK_MONOTONIC in nanoseconds. */
    public static final int HELPER_KTIME_GET_NS = 5;
    /** Helper {@code long bpf_redirect_map(map, key, flags)}: XDP_REDIRECT, or the low bits of flags on a miss. */
    public static final int HELPER_REDIRECT_MAP = 51;

    /** XDP verdict: an error; the packet is dropped and a tracepoint fires. */
    public static final int XDP_ABORTED = 0;
    /** XDP verdict: drop the packet in the driver. */
    public static final int XDP_DROP = 1;
    /** XDP verdict: hand the packet to the kernel's network stack. */
    public static final int XDP_PASS = 2;
    /** XDP verdict: send the packet back out of the interface it came in on. */
    public static final int XDP_TX = 3;
    /** XDP verdict: redirect, as a redirect helper decided. */
    public static final int XDP_REDIRECT = 4;

    private static final int CLASS_LD = 0x00;
    private static final int CLASS_LDX = 0x01;
    private static final int CLASS_ST = 0x02;
    private static final int CLASS_STX = 0x03;
    private static final int CLASS_ALU = 0x04;
    private static final int CLASS_JMP = 0x05;
    private static final int CLASS_JMP32 = 0x06;
    private static final int CLASS_ALU64 = 0x07;
    private static final int SOURCE_K = 0x00;
    private static final int SOURCE_X = 0x08;
    private static final int MODE_IMM = 0x00;
    private static final int MODE_MEM = 0x60;
    private static final int OP_CALL = 0x80;
    private static final int OP_EXIT = 0x90;
    private static final int OP_END = 0xd0;
    private static final int PSEUDO_MAP_FD = 1;

    /** The eleven registers: R0 return value, R1–R5 arguments (clobbered by calls), R6–R9 kept, R10 frame pointer. */
    public enum Reg
    {
        /** Return value of helpers and of the program. */
        R0,
        /** First argument; the program's context on entry. */
        R1,
        /** Second argument. */
        R2,
        /** Third argument. */
        R3,
        /** Fourth argument. */
        R4,
        /** Fifth argument. */
        R5,
        /** Callee-saved. */
        R6,
        /** Callee-saved. */
        R7,
        /** Callee-saved. */
        R8,
        /** Callee-saved. */
        R9,
        /** Read-only frame pointer; the stack is the 512 bytes below it. */
        R10
    }

    /** Memory access sizes. */
    public enum Size
    {
        /** 1 byte. */
        B(0x10),
        /** 2 bytes. */
        H(0x08),
        /** 4 bytes. */
        W(0x00),
        /** 8 bytes. */
        DW(0x18);

        final int code;

        Size(final int code)
        {
            this.code = code;
        }
    }

    /** Arithmetic operations: {@code dst = dst op src}. */
    public enum Alu
    {
        /** Add. */
        ADD(0x00),
        /** Subtract. */
        SUB(0x10),
        /** Multiply. */
        MUL(0x20),
        /** Unsigned divide. */
        DIV(0x30),
        /** Or. */
        OR(0x40),
        /** And. */
        AND(0x50),
        /** Shift left. */
        LSH(0x60),
        /** Logical shift right. */
        RSH(0x70),
        /** Unsigned modulo. */
        MOD(0x90),
        /** Exclusive or. */
        XOR(0xa0),
        /** Move. */
        MOV(0xb0),
        /** Arithmetic shift right. */
        ARSH(0xc0);

        final int code;

        Alu(final int code)
        {
            this.code = code;
        }
    }

    /** Conditional jumps: {@code if (dst op src) goto label}. */
    public enum Jump
    {
        /** Equal. */
        JEQ(0x10),
        /** Unsigned greater than. */
        JGT(0x20),
        /** Unsigned greater or equal. */
        JGE(0x30),
        /** {@code dst & src} not zero. */
        JSET(0x40),
        /** Not equal. */
        JNE(0x50),
        /** Signed greater than. */
        JSGT(0x60),
        /** Signed greater or equal. */
        JSGE(0x70),
        /** Unsigned less than. */
        JLT(0xa0),
        /** Unsigned less or equal. */
        JLE(0xb0),
        /** Signed less than. */
        JSLT(0xc0),
        /** Signed less or equal. */
        JSLE(0xd0);

        final int code;

        Jump(final int code)
        {
            this.code = code;
        }
    }

    private final List<long[]> instructions = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();

    private record Fixup(int index, String label)
    {
    }

    /**
     * An empty program.
     */
    public EbpfAssembler()
    {
    }

    /**
     * The network-order 16-bit value as a little-endian 16-bit load from a packet reads it.
     *
     * @param hostValue e.g. 0x0800 for the IPv4 ethertype.
     * @return the byte-swapped value, e.g. 0x0008.
     */
    public static int be16(final int hostValue)
    {
        return ((hostValue & 0xff) << 8) | ((hostValue >>> 8) & 0xff);
    }

    /**
     * The network-order 32-bit value as a little-endian 32-bit load from a packet reads it.
     *
     * @param hostValue e.g. 0x0a000001 for 10.0.0.1.
     * @return the byte-swapped value; compare it with a 32-bit jump ({@link #jump32}) since it may be negative.
     */
    public static int be32(final int hostValue)
    {
        return Integer.reverseBytes(hostValue);
    }

    /**
     * Bind a label to the next instruction emitted.
     *
     * @param name unique within the program.
     * @return this.
     * @throws IllegalStateException when the label is bound already.
     */
    public EbpfAssembler label(final String name)
    {
        if (null != labels.putIfAbsent(name, instructions.size()))
        {
            throw new IllegalStateException("label bound twice: " + name);
        }
        return this;
    }

    /**
     * {@code dst = dst op src} on 64 bits.
     *
     * @param op  operation.
     * @param dst destination and left operand.
     * @param src right operand.
     * @return this.
     */
    public EbpfAssembler alu64(final Alu op, final Reg dst, final Reg src)
    {
        return emit(CLASS_ALU64 | op.code | SOURCE_X, dst, src, 0, 0);
    }

    /**
     * {@code dst = dst op imm} on 64 bits; the immediate is sign-extended.
     *
     * @param op  operation.
     * @param dst destination and left operand.
     * @param imm right operand.
     * @return this.
     */
    public EbpfAssembler alu64(final Alu op, final Reg dst, final int imm)
    {
        return emit(CLASS_ALU64 | op.code | SOURCE_K, dst, Reg.R0, 0, imm);
    }

    /**
     * {@code dst = (u32)(dst op src)}: 32-bit arithmetic, the upper half of dst zeroed.
     *
     * @param op  operation.
     * @param dst destination and left operand.
     * @param imm right operand.
     * @return this.
     */
    public EbpfAssembler alu32(final Alu op, final Reg dst, final int imm)
    {
        return emit(CLASS_ALU | op.code | SOURCE_K, dst, Reg.R0, 0, imm);
    }

    /**
     * {@code dst = src}.
     *
     * @param dst destination.
     * @param src source.
     * @return this.
     */
    public EbpfAssembler mov(final Reg dst, final Reg src)
    {
        return alu64(Alu.MOV, dst, src);
    }

    /**
     * {@code dst = imm}, sign-extended to 64 bits.
     *
     * @param dst destination.
     * @param imm value.
     * @return this.
     */
    public EbpfAssembler mov(final Reg dst, final int imm)
    {
        return alu64(Alu.MOV, dst, imm);
    }

    /**
     * {@code dst += imm}.
     *
     * @param dst destination.
     * @param imm value, sign-extended.
     * @return this.
     */
    public EbpfAssembler add(final Reg dst, final int imm)
    {
        return alu64(Alu.ADD, dst, imm);
    }

    /**
     * {@code dst += src}.
     *
     * @param dst destination.
     * @param src value.
     * @return this.
     */
    public EbpfAssembler add(final Reg dst, final Reg src)
    {
        return alu64(Alu.ADD, dst, src);
    }

    /**
     * {@code dst &= imm}.
     *
     * @param dst destination.
     * @param imm mask, sign-extended.
     * @return this.
     */
    public EbpfAssembler and(final Reg dst, final int imm)
    {
        return alu64(Alu.AND, dst, imm);
    }

    /**
     * Convert dst from little-endian (this host) to big-endian: swap the low 16, 32 or 64 bits and zero the rest.
     *
     * @param dst  register.
     * @param bits 16, 32 or 64.
     * @return this.
     */
    public EbpfAssembler toBigEndian(final Reg dst, final int bits)
    {
        if (bits != 16 && bits != 32 && bits != 64)
        {
            throw new IllegalArgumentException("bits must be 16, 32 or 64, got " + bits);
        }
        return emit(CLASS_ALU | OP_END | SOURCE_X, dst, Reg.R0, 0, bits);
    }

    /**
     * {@code dst = *(size *)(src + offset)}.
     *
     * @param size   access size.
     * @param dst    destination.
     * @param src    base pointer.
     * @param offset signed 16-bit displacement.
     * @return this.
     */
    public EbpfAssembler load(final Size size, final Reg dst, final Reg src, final int offset)
    {
        return emit(CLASS_LDX | MODE_MEM | size.code, dst, src, offset, 0);
    }

    /**
     * {@code *(size *)(dst + offset) = src}.
     *
     * @param size   access size.
     * @param dst    base pointer.
     * @param offset signed 16-bit displacement.
     * @param src    value.
     * @return this.
     */
    public EbpfAssembler store(final Size size, final Reg dst, final int offset, final Reg src)
    {
        return emit(CLASS_STX | MODE_MEM | size.code, dst, src, offset, 0);
    }

    /**
     * {@code *(size *)(dst + offset) = imm}.
     *
     * @param size   access size.
     * @param dst    base pointer.
     * @param offset signed 16-bit displacement.
     * @param imm    value.
     * @return this.
     */
    public EbpfAssembler storeImm(final Size size, final Reg dst, final int offset, final int imm)
    {
        return emit(CLASS_ST | MODE_MEM | size.code, dst, Reg.R0, offset, imm);
    }

    /**
     * {@code dst = imm64}, the two-slot {@code ld_imm64}.
     *
     * @param dst   destination.
     * @param value any 64-bit constant.
     * @return this.
     */
    public EbpfAssembler loadImm64(final Reg dst, final long value)
    {
        emit(CLASS_LD | MODE_IMM | Size.DW.code, dst, Reg.R0, 0, (int)value);
        return emit(0, Reg.R0, Reg.R0, 0, (int)(value >>> 32));
    }

    /**
     * {@code dst = &map}: the two-slot {@code ld_imm64} with {@code src = BPF_PSEUDO_MAP_FD}, which the kernel
     * resolves to the map when it loads the program.
     *
     * @param dst   destination, usually {@link Reg#R1} for a helper's map argument.
     * @param mapFd the map's file descriptor in this process.
     * @return this.
     */
    public EbpfAssembler loadMapFd(final Reg dst, final int mapFd)
    {
        emit(CLASS_LD | MODE_IMM | Size.DW.code, dst, Reg.values()[PSEUDO_MAP_FD], 0, mapFd);
        return emit(0, Reg.R0, Reg.R0, 0, 0);
    }

    /**
     * {@code if (dst op src) goto label}, comparing 64-bit registers.
     *
     * @param op    comparison.
     * @param dst   left operand.
     * @param src   right operand.
     * @param label target, bound before or after.
     * @return this.
     */
    public EbpfAssembler jump(final Jump op, final Reg dst, final Reg src, final String label)
    {
        fixups.add(new Fixup(instructions.size(), label));
        return emit(CLASS_JMP | op.code | SOURCE_X, dst, src, 0, 0);
    }

    /**
     * {@code if (dst op imm) goto label}, comparing 64 bits with the sign-extended immediate.
     *
     * @param op    comparison.
     * @param dst   left operand.
     * @param imm   right operand.
     * @param label target.
     * @return this.
     */
    public EbpfAssembler jump(final Jump op, final Reg dst, final int imm, final String label)
    {
        fixups.add(new Fixup(instructions.size(), label));
        return emit(CLASS_JMP | op.code | SOURCE_K, dst, Reg.R0, 0, imm);
    }

    /**
     * {@code if ((u32)dst op (u32)imm) goto label}: compares the low 32 bits only, the way to test a 32-bit field
     * against a constant whose top bit is set.
     *
     * @param op    comparison.
     * @param dst   left operand.
     * @param imm   right operand.
     * @param label target.
     * @return this.
     */
    public EbpfAssembler jump32(final Jump op, final Reg dst, final int imm, final String label)
    {
        fixups.add(new Fixup(instructions.size(), label));
        return emit(CLASS_JMP32 | op.code | SOURCE_K, dst, Reg.R0, 0, imm);
    }

    /**
     * {@code goto label}.
     *
     * @param label target.
     * @return this.
     */
    public EbpfAssembler jumpAlways(final String label)
    {
        fixups.add(new Fixup(instructions.size(), label));
        return emit(CLASS_JMP, Reg.R0, Reg.R0, 0, 0);
    }

    /**
     * Call a helper: arguments in R1–R5, result in R0; R1–R5 are clobbered.
     *
     * @param helper e.g. {@link #HELPER_REDIRECT_MAP}.
     * @return this.
     */
    public EbpfAssembler call(final int helper)
    {
        return emit(CLASS_JMP | OP_CALL, Reg.R0, Reg.R0, 0, helper);
    }

    /**
     * Return R0 from the program.
     *
     * @return this.
     */
    public EbpfAssembler exit()
    {
        return emit(CLASS_JMP | OP_EXIT, Reg.R0, Reg.R0, 0, 0);
    }

    /**
     * {@code r0 = verdict; exit}.
     *
     * @param verdict e.g. {@link #XDP_PASS}.
     * @return this.
     */
    public EbpfAssembler returnVerdict(final int verdict)
    {
        return mov(Reg.R0, verdict).exit();
    }

    /**
     * Instructions emitted so far ({@code ld_imm64} counts two).
     *
     * @return the count.
     */
    public int instructionCount()
    {
        return instructions.size();
    }

    /**
     * Resolve the labels and encode the program.
     *
     * @return the instructions, 8 bytes each, as {@link Bpf#progLoadXdp} takes them.
     * @throws IllegalStateException when a jump names a label never bound, or one too far for a 16-bit offset.
     */
    public byte[] build()
    {
        for (final Fixup fixup : fixups)
        {
            final Integer target = labels.get(fixup.label);
            if (null == target)
            {
                throw new IllegalStateException("jump to a label never bound: " + fixup.label);
            }
            final int offset = target - fixup.index - 1;
            if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE)
            {
                throw new IllegalStateException("jump to " + fixup.label + " too far: " + offset + " instructions");
            }
            instructions.get(fixup.index)[2] = offset;
        }
        final byte[] bytes = new byte[instructions.size() * INSTRUCTION_BYTES];
        for (int i = 0; i < instructions.size(); i++)
        {
            final long[] insn = instructions.get(i);
            final int at = i * INSTRUCTION_BYTES;
            bytes[at] = (byte)insn[0];
            bytes[at + 1] = (byte)insn[1];
            bytes[at + 2] = (byte)insn[2];
            bytes[at + 3] = (byte)(insn[2] >> 8);
            final int imm = (int)insn[3];
            bytes[at + 4] = (byte)imm;
            bytes[at + 5] = (byte)(imm >> 8);
            bytes[at + 6] = (byte)(imm >> 16);
            bytes[at + 7] = (byte)(imm >> 24);
        }
        return bytes;
    }

    private EbpfAssembler emit(final int opcode, final Reg dst, final Reg src, final int offset, final int imm)
    {
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE)
        {
            throw new IllegalArgumentException("offset must fit 16 bits, got " + offset);
        }
        instructions.add(new long[]{opcode, dst.ordinal() | (src.ordinal() << 4), offset, imm});
        return this;
    }
}
