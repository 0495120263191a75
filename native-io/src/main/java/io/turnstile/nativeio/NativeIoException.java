package io.turnstile.nativeio;

/**
 * A system call failed in a way the caller cannot shrug off (a closed descriptor, a bad argument, a port in use).
 * <p>
 * Unchecked because every such failure is either a bug or a setup error, and checked exceptions would clutter the
 * duty cycle for a case it cannot handle anyway.
 */
public final class NativeIoException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * A failure with the errno that explains it.
     *
     * @param call  what was attempted, e.g. "bind 127.0.0.1:4433".
     * @param errno the errno the call left.
     */
    public NativeIoException(final String call, final int errno)
    {
        super(call + " failed: " + Errno.name(errno) + " (" + errno + ")");
        this.errno = errno;
    }

    /**
     * The errno, to tell e.g. {@link Errno#EADDRINUSE} from the rest.
     *
     * @return the errno.
     */
    public int errno()
    {
        return errno;
    }
}
