package io.turnstile.server;

/**
 * A command line that cannot be run as given: a bad option, a missing value, a key file that will not do, an address
 * that cannot be bound. The command prints the message and exits with {@link #EXIT_CODE}.
 */
public final class UsageException extends RuntimeException
{
    /** Exit code for every usage error, as scripts expect. */
    public static final int EXIT_CODE = 2;

    private static final long serialVersionUID = 1L;

    /**
     * A usage error.
     *
     * @param message what is wrong and, where it helps, what would be right.
     */
    public UsageException(final String message)
    {
        super(message);
    }

    /**
     * A usage error caused by another failure.
     *
     * @param message what is wrong.
     * @param cause   the failure behind it.
     */
    public UsageException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
