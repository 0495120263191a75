package io.turnstile.nativeio.xdp;

/**
 * A {@code bpf(2)} call, or an XDP attachment, failed: the message names the command, the errno and, for the usual
 * setup errors, what is missing (a capability, kernel support); a failed program load carries the verifier's log.
 * <p>
 * Unchecked, like {@link io.turnstile.nativeio.NativeIoException}: every such failure is a setup error or a bug, raised
 * while a server starts, never on the data path.
 */
public final class BpfException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String verifierLog;

    /**
     * A failure with the errno that explains it.
     *
     * @param message     the whole message: call, errno name and hint.
     * @param errno       the errno the call left.
     * @param verifierLog the verifier's log for a failed program load, else the empty string.
     */
    public BpfException(final String message, final int errno, final String verifierLog)
    {
        super(message);
        this.errno = errno;
        this.verifierLog = verifierLog;
    }

    /**
     * The errno, e.g. {@code 1} (EPERM) when a capability is missing.
     *
     * @return the errno.
     */
    public int errno()
    {
        return errno;
    }

    /**
     * What the verifier said when it rejected a program; also part of {@link #getMessage()}.
     *
     * @return the log, or the empty string when the failure was not a program load.
     */
    public String verifierLog()
    {
        return verifierLog;
    }
}
