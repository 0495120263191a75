package io.turnstile.nativeio;

/**
 * The errno values of x86_64 Linux that the socket code tells apart, and their names for messages.
 * <p>
 * The names are constants so reporting an errno allocates nothing; an unknown value is named by number.
 */
public final class Errno
{
    /** Operation not permitted: a firewall rule refused a send, or pinning needs a capability. */
    public static final int EPERM = 1;
    /** Interrupted by a signal before anything happened: "no work", try again. */
    public static final int EINTR = 4;
    /** Not an open descriptor: the socket was closed under us. */
    public static final int EBADF = 9;
    /** Would block: nothing to receive, or no room to send. Same value as EWOULDBLOCK on Linux. */
    public static final int EAGAIN = 11;
    /** Out of kernel memory. */
    public static final int ENOMEM = 12;
    /** Permission denied: e.g. a send to a broadcast address, or a privileged port. */
    public static final int EACCES = 13;
    /** Bad address: a pointer handed to the kernel was wrong, which is a bug here. */
    public static final int EFAULT = 14;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Too many open files in the process. */
    public static final int EMFILE = 24;
    /** Not a socket. */
    public static final int ENOTSOCK = 88;
    /** Message too long: larger than the path MTU with PMTUDISC_DO, or than the socket allows. */
    public static final int EMSGSIZE = 90;
    /** Option unknown at that level. */
    public static final int ENOPROTOOPT = 92;
    /** Address family not supported: e.g. a native IPv6 destination on an IPv4 socket. */
    public static final int EAFNOSUPPORT = 97;
    /** Address in use: another socket holds the port without SO_REUSEPORT. */
    public static final int EADDRINUSE = 98;
    /** Address not available: not an address of this host. */
    public static final int EADDRNOTAVAIL = 99;
    /** Network unreachable. */
    public static final int ENETUNREACH = 101;
    /** No buffer space: the device queue is full, a transient condition like EAGAIN. */
    public static final int ENOBUFS = 105;
    /** Connection refused: an ICMP port unreachable reported on the socket. */
    public static final int ECONNREFUSED = 111;
    /** Host unreachable. */
    public static final int EHOSTUNREACH = 113;

    private Errno()
    {
    }

    /**
     * Name an errno for a message or a log.
     *
     * @param errno value.
     * @return the symbolic name, e.g. "EAGAIN", or "errno 123" for one not listed here.
     */
    public static String name(final int errno)
    {
        return switch (errno)
        {
            case EPERM -> "EPERM";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EINVAL -> "EINVAL";
            case EMFILE -> "EMFILE";
            case ENOTSOCK -> "ENOTSOCK";
            case EMSGSIZE -> "EMSGSIZE";
            case ENOPROTOOPT -> "ENOPROTOOPT";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case EADDRINUSE -> "EADDRINUSE";
            case EADDRNOTAVAIL -> "EADDRNOTAVAIL";
            case ENETUNREACH -> "ENETUNREACH";
            case ENOBUFS -> "ENOBUFS";
            case ECONNREFUSED -> "ECONNREFUSED";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }

    /**
     * Whether a failed send or receive means "not now" rather than "broken": the caller retries on a later cycle.
     *
     * @param errno value.
     * @return true for EAGAIN, EINTR and ENOBUFS.
     */
    public static boolean isTransient(final int errno)
    {
        return errno == EAGAIN || errno == EINTR || errno == ENOBUFS;
    }
}
