package io.turnstile.nativeio.xdp;

/**
 * An XDP program attached to an interface through {@code BPF_LINK_CREATE}. The attachment lasts exactly as long as
 * this link's descriptor: {@link #close()} detaches the program, and so does the process exiting or crashing, so a
 * dead server never leaves its filter on the interface (unlike a netlink {@code IFLA_XDP} attachment).
 */
public final class XdpLink implements AutoCloseable
{
    private final int fd;
    private final int ifindex;
    private final XdpMode mode;

    private XdpLink(final int fd, final int ifindex, final XdpMode mode)
    {
        this.fd = fd;
        this.ifindex = ifindex;
        this.mode = mode;
    }

    /**
     * Attach a program to an interface.
     *
     * @param program an XDP program; it may be closed afterwards, the link keeps it loaded.
     * @param ifindex interface, see {@link Bpf#ifIndex(String)}.
     * @param mode    driver, generic or the kernel's choice.
     * @return the link.
     * @throws BpfException e.g. EBUSY when another program is attached, EOPNOTSUPP for driver mode without driver
     *                      support, EPERM without CAP_NET_ADMIN.
     */
    public static XdpLink attach(final BpfProgram program, final int ifindex, final XdpMode mode)
    {
        return new XdpLink(Bpf.linkCreateXdp(program.fd(), ifindex, mode.flags()), ifindex, mode);
    }

    /**
     * The interface the program is attached to.
     *
     * @return its index.
     */
    public int ifindex()
    {
        return ifindex;
    }

    /**
     * The mode asked for.
     *
     * @return the mode.
     */
    public XdpMode mode()
    {
        return mode;
    }

    /**
     * The link's descriptor.
     *
     * @return the descriptor.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Detach the program.
     */
    @Override
    public void close()
    {
        Bpf.close(fd);
    }
}
