package io.turnstile.nativeio.xdp;

/**
 * A loaded XDP program, owned by this object. Closing it after {@link XdpLink#attach} leaves the program attached
 * (the link holds its own reference); closing it before unloads it.
 */
public final class BpfProgram implements AutoCloseable
{
    /** License string passed to the kernel; it only gates GPL-only helpers, of which these programs use none. */
    public static final String LICENSE = "Apache-2.0";

    private final int fd;
    private final String name;
    private final int instructionCount;

    private BpfProgram(final int fd, final String name, final int instructionCount)
    {
        this.fd = fd;
        this.name = name;
        this.instructionCount = instructionCount;
    }

    /**
     * Verify and load an XDP program.
     *
     * @param name         up to 15 characters, shown by {@code ip link}.
     * @param instructions from {@link EbpfAssembler#build()}, with every map fd it references still open.
     * @return the program.
     * @throws BpfException with the verifier's log when the kernel rejects it, or naming the missing capability.
     */
    public static BpfProgram loadXdp(final String name, final byte[] instructions)
    {
        final int fd = Bpf.progLoadXdp(name, instructions, LICENSE);
        return new BpfProgram(fd, name, instructions.length / EbpfAssembler.INSTRUCTION_BYTES);
    }

    /**
     * The descriptor.
     *
     * @return the program's file descriptor.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * The name it was loaded with.
     *
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * Instructions loaded.
     *
     * @return the count ({@code ld_imm64} counts two).
     */
    public int instructionCount()
    {
        return instructionCount;
    }

    /**
     * Release the descriptor.
     */
    @Override
    public void close()
    {
        Bpf.close(fd);
    }
}
