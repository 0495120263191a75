package io.turnstile.nativeio.xdp;

/**
 * Where the kernel runs an XDP program.
 */
public enum XdpMode
{
    /** Native: the driver runs it on the receive buffer before any skb exists. Fails where the driver lacks it. */
    DRIVER(Bpf.XDP_FLAGS_DRV_MODE),
    /** Generic: the stack runs it on the skb; works on every device, saves less. */
    SKB(Bpf.XDP_FLAGS_SKB_MODE),
    /** Native where the driver has it, generic elsewhere (no flag: the kernel's choice). */
    AUTO(0);

    private final int flags;

    XdpMode(final int flags)
    {
        this.flags = flags;
    }

    /**
     * The {@code XDP_FLAGS_*} value for {@code BPF_LINK_CREATE}.
     *
     * @return the flags.
     */
    public int flags()
    {
        return flags;
    }
}
