package io.turnstile.nativeio;

import org.agrona.LangUtil;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every libc binding Turnstile uses, through {@code java.lang.foreign}: no JNI and no C to build, so the jar runs
 * wherever a JDK 25 runs and falls back to NIO ({@link NioBatchSocket}) where this class is not {@link #isAvailable()}.
 * <p>
 * Each function is a {@code static final MethodHandle} linked once and called with {@code invokeExact}, so the JIT
 * sees a constant and inlines the downcall. Every handle captures {@code errno} into a caller-owned segment of
 * {@link #ERRNO_STATE_LAYOUT} (allocate it once and reuse it): reading errno with a second native call would see
 * whatever the JVM did in between. No handle is {@code critical()}: {@code recvmmsg}/{@code sendmmsg} may block in the
 * kernel, and a critical call would hold up the garbage collector meanwhile.
 * <p>
 * The layouts and constants are those of x86_64 Linux (glibc or musl agree on all of them), with the padding the C
 * compiler inserts spelled out, because {@code java.lang.foreign} does not pad for you:
 * <pre>
 * struct sockaddr_in (16)           struct sockaddr_in6 (28)          struct sockaddr_storage (128, align 8)
 *   0  u16 sin_family (native)        0  u16 sin6_family (native)       0  u16 ss_family (native)
 *   2  u16 sin_port   (big-endian)    2  u16 sin6_port     (BE)         2  ... 126 bytes, big enough for either
 *   4  u8[4] sin_addr (BE)            4  u32 sin6_flowinfo (BE)
 *   8  u8[8] sin_zero                 8  u8[16] sin6_addr  (BE)
 *                                    24  u32 sin6_scope_id
 *
 * struct iovec (16)                 struct msghdr (56)                struct mmsghdr (64)
 *   0  void*  iov_base                0  void*   msg_name              0  msghdr msg_hdr
 *   8  size_t iov_len                 8  u32     msg_namelen          56  u32    msg_len
 *                                    12  -- 4 bytes padding --        60  -- 4 bytes padding --
 *                                    16  iovec*  msg_iov
 *                                    24  size_t  msg_iovlen
 *                                    32  void*   msg_control
 *                                    40  size_t  msg_controllen
 *                                    48  int     msg_flags
 *                                    52  -- 4 bytes padding --
 *
 * struct pollfd (8)                 struct sock_filter (8)            struct sock_fprog (16)
 *   0  int fd                         0  u16 code                       0  u16 len (instructions)
 *   4  short events                   2  u8  jt                         2  -- 6 bytes padding --
 *   6  short revents                  3  u8  jf                         8  sock_filter* filter
 *                                     4  u32 k
 * </pre>
 * <b>Note:</b> {@link #isAvailable()} is only true on x86_64 Linux, the only platform these layouts were checked on;
 * elsewhere the handles are null and callers must use NIO.
 * <p>
 * <b>Note:</b> the linker slices the errno capture segment on every call (JDK 25). C2 scalar-replaces that slice only
 * when it inlines the JDK's {@code SharedUtils.checkNative} and slice methods into the call, and its heuristics skip
 * them when the linker's stub was profiled in tier 2 (a busy compile queue): each call then allocates 40 bytes.
 * Start JVMs that run sockets on a hot path with {@link #JIT_FLAGS} to make the inlining, and so zero allocation,
 * deterministic. The same flags keep the worker's receive-verify-send loop a compilation unit of its own: inlined
 * into a larger duty cycle (one that also runs the session conductor), C2's escape analysis gave up on the slice
 * again (measured: about 25 bytes per datagram).
 */
public final class LibC
{
    /** IPv4 address family. */
    public static final int AF_INET = 2;
    /** IPv6 address family. */
    public static final int AF_INET6 = 10;
    /** Datagram socket type. */
    public static final int SOCK_DGRAM = 2;
    /** Socket type flag: non-blocking from creation, saving an fcntl. */
    public static final int SOCK_NONBLOCK = 0x800;
    /** Socket type flag: close on exec, so a forked child never inherits the server's port. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** Socket-level options. */
    public static final int SOL_SOCKET = 1;
    /** Allow rebinding while old sockets linger. */
    public static final int SO_REUSEADDR = 2;
    /** Let several sockets, one per core, share a port; the kernel spreads flows across them by hash. */
    public static final int SO_REUSEPORT = 15;
    /** Kernel receive buffer size (the kernel doubles it, capped by net.core.rmem_max). */
    public static final int SO_RCVBUF = 8;
    /** Kernel send buffer size (the kernel doubles it, capped by net.core.wmem_max). */
    public static final int SO_SNDBUF = 7;
    /** IPv4 protocol level. */
    public static final int IPPROTO_IP = 0;
    /** IPv6 protocol level. */
    public static final int IPPROTO_IPV6 = 41;
    /** Whether an IPv6 socket refuses IPv4-mapped traffic; off makes a socket dual-stack. */
    public static final int IPV6_V6ONLY = 26;
    /** IPv4 path-MTU discovery mode. */
    public static final int IP_MTU_DISCOVER = 10;
    /** Always set DF and never fragment locally: a reply too big for the path fails with EMSGSIZE instead. */
    public static final int IP_PMTUDISC_DO = 2;
    /** IPv6 path-MTU discovery mode. */
    public static final int IPV6_MTU_DISCOVER = 23;
    /** IPv6: never fragment locally. */
    public static final int IPV6_PMTUDISC_DO = 2;
    /** Per-call non-blocking flag. */
    public static final int MSG_DONTWAIT = 0x40;
    /** msg_flags bit set by the kernel when a datagram was longer than the buffer given for it. */
    public static final int MSG_TRUNC = 0x20;
    /** poll event: data to read. */
    public static final int POLLIN = 1;
    /** signal(2) disposition: the signal's default action. */
    public static final long SIG_DFL = 0;
    /** signal(2) disposition: the signal is ignored. */
    public static final long SIG_IGN = 1;
    /** signal(2)'s failure return. */
    private static final long SIG_ERR = -1;
    /** Bytes of a glibc cpu_set_t: room for 1024 CPUs. */
    public static final int CPU_SET_BYTES = 128;
    /** Raw socket type: the caller writes the headers above the one named by the protocol. */
    public static final int SOCK_RAW = 3;
    /** UDP protocol number, as in an IPv4 header's protocol field. */
    public static final int IPPROTO_UDP = 17;
    /** Raw IPv4 protocol: a socket(AF_INET, SOCK_RAW, IPPROTO_RAW) sends whole IPv4 packets (implies IP_HDRINCL). */
    public static final int IPPROTO_RAW = 255;
    /** The caller writes the IPv4 header; the kernel fills only the checksum, total length and a zero id. */
    public static final int IP_HDRINCL = 3;
    /** Attach a classic BPF program (a {@link #SOCK_FPROG}) that the kernel runs on every datagram for the socket. */
    public static final int SO_ATTACH_FILTER = 26;
    /** Remove the socket's classic BPF program. */
    public static final int SO_DETACH_FILTER = 27;

    /**
     * JVM flags that force the JIT to inline the FFM linker's helpers on the errno-capture path, so that system calls
     * allocate nothing whatever the profile; see the class note. {@code -XX:CompileCommand=quiet} keeps them silent.
     */
    public static final String JIT_FLAGS = "-XX:CompileCommand=quiet " +
        "-XX:CompileCommand=inline,jdk.internal.foreign.abi.SharedUtils::checkNative " +
        "-XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSlice* " +
        "-XX:CompileCommand=inline,jdk.internal.foreign.NativeMemorySegmentImpl::dup " +
        "-XX:CompileCommand=dontinline,io.turnstile.nativeio.VerifierAgent::receiveVerifyAndSend";

    /** Capture state filled by every handle: a struct whose one field we read is {@code errno}. */
    public static final StructLayout ERRNO_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = ERRNO_STATE_LAYOUT.byteOffset(groupElement("errno"));

    /** {@code struct sockaddr_in}. */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sin_family"),
        JAVA_SHORT.withName("sin_port"),
        MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("sin_addr"),
        MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));
    /** {@code struct sockaddr_in6}. */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sin6_family"),
        JAVA_SHORT.withName("sin6_port"),
        JAVA_INT.withName("sin6_flowinfo"),
        MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
        JAVA_INT.withName("sin6_scope_id"));
    /** {@code struct sockaddr_storage}: room for any address, 8-byte aligned. */
    public static final StructLayout SOCKADDR_STORAGE = MemoryLayout.structLayout(
        JAVA_SHORT.withName("ss_family"),
        MemoryLayout.paddingLayout(6),
        MemoryLayout.sequenceLayout(15, JAVA_LONG).withName("ss_align"));
    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
        ADDRESS.withName("iov_base"),
        JAVA_LONG.withName("iov_len"));
    /** {@code struct msghdr}, with the two holes the C compiler leaves. */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
        ADDRESS.withName("msg_name"),
        JAVA_INT.withName("msg_namelen"),
        MemoryLayout.paddingLayout(4),
        ADDRESS.withName("msg_iov"),
        JAVA_LONG.withName("msg_iovlen"),
        ADDRESS.withName("msg_control"),
        JAVA_LONG.withName("msg_controllen"),
        JAVA_INT.withName("msg_flags"),
        MemoryLayout.paddingLayout(4));
    /** {@code struct mmsghdr}: one element of the recvmmsg/sendmmsg vector. */
    public static final StructLayout MMSGHDR = MemoryLayout.structLayout(
        MSGHDR.withName("msg_hdr"),
        JAVA_INT.withName("msg_len"),
        MemoryLayout.paddingLayout(4));
    /** {@code struct pollfd}. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
        JAVA_INT.withName("fd"),
        JAVA_SHORT.withName("events"),
        JAVA_SHORT.withName("revents"));

    /** {@code struct sock_filter}: one classic BPF instruction. */
    public static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
        JAVA_SHORT.withName("code"),
        JAVA_BYTE.withName("jt"),
        JAVA_BYTE.withName("jf"),
        JAVA_INT.withName("k"));
    /** {@code struct sock_fprog}: a classic BPF program, the value of {@link #SO_ATTACH_FILTER}. */
    public static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
        JAVA_SHORT.withName("len"),
        MemoryLayout.paddingLayout(6),
        ADDRESS.withName("filter"));

    /** Offset of {@code sin_port} in either address struct. */
    public static final long SIN_PORT_OFFSET = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    /** Offset of {@code sin_addr}. */
    public static final long SIN_ADDR_OFFSET = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    /** Offset of {@code sin6_flowinfo}. */
    public static final long SIN6_FLOWINFO_OFFSET = SOCKADDR_IN6.byteOffset(groupElement("sin6_flowinfo"));
    /** Offset of {@code sin6_addr}. */
    public static final long SIN6_ADDR_OFFSET = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    /** Offset of {@code sin6_scope_id}. */
    public static final long SIN6_SCOPE_ID_OFFSET = SOCKADDR_IN6.byteOffset(groupElement("sin6_scope_id"));
    /** Offset of {@code iov_base}. */
    public static final long IOV_BASE_OFFSET = IOVEC.byteOffset(groupElement("iov_base"));
    /** Offset of {@code iov_len}. */
    public static final long IOV_LEN_OFFSET = IOVEC.byteOffset(groupElement("iov_len"));
    /** Offset of {@code msg_name} in an mmsghdr. */
    public static final long MSG_NAME_OFFSET = MSGHDR.byteOffset(groupElement("msg_name"));
    /** Offset of {@code msg_namelen} in an mmsghdr: the kernel overwrites it on receive. */
    public static final long MSG_NAMELEN_OFFSET = MSGHDR.byteOffset(groupElement("msg_namelen"));
    /** Offset of {@code msg_iov} in an mmsghdr. */
    public static final long MSG_IOV_OFFSET = MSGHDR.byteOffset(groupElement("msg_iov"));
    /** Offset of {@code msg_iovlen} in an mmsghdr. */
    public static final long MSG_IOVLEN_OFFSET = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    /** Offset of {@code msg_flags} in an mmsghdr. */
    public static final long MSG_FLAGS_OFFSET = MSGHDR.byteOffset(groupElement("msg_flags"));
    /** Offset of {@code msg_len} in an mmsghdr: bytes received or sent for that message. */
    public static final long MSG_LEN_OFFSET = MMSGHDR.byteOffset(groupElement("msg_len"));
    /** Offset of {@code revents} in a pollfd. */
    public static final long POLL_REVENTS_OFFSET = POLLFD.byteOffset(groupElement("revents"));
    /** Offset of {@code events} in a pollfd. */
    public static final long POLL_EVENTS_OFFSET = POLLFD.byteOffset(groupElement("events"));
    /** Offset of {@code jt} in a sock_filter. */
    public static final long SOCK_FILTER_JT_OFFSET = SOCK_FILTER.byteOffset(groupElement("jt"));
    /** Offset of {@code jf} in a sock_filter. */
    public static final long SOCK_FILTER_JF_OFFSET = SOCK_FILTER.byteOffset(groupElement("jf"));
    /** Offset of {@code k} in a sock_filter. */
    public static final long SOCK_FILTER_K_OFFSET = SOCK_FILTER.byteOffset(groupElement("k"));
    /** Offset of {@code filter} in a sock_fprog. */
    public static final long SOCK_FPROG_FILTER_OFFSET = SOCK_FPROG.byteOffset(groupElement("filter"));

    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle POLL;
    private static final MethodHandle CLOSE;
    private static final MethodHandle SCHED_SETAFFINITY;
    private static final MethodHandle SIGNAL;
    private static final boolean AVAILABLE;

    static
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        final boolean platform = os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        // Elsewhere the linker may not exist at all: never touch it, so this class still loads and says "no".
        final Linker linker = platform ? nativeLinker() : null;
        final SymbolLookup libc = null == linker ? null : linker.defaultLookup();
        final AddressLayout pointer = ADDRESS;

        SOCKET = downcall(linker, libc, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        BIND = downcall(linker, libc, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, pointer, JAVA_INT));
        SETSOCKOPT = downcall(linker, libc, "setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, pointer, JAVA_INT));
        GETSOCKNAME = downcall(linker, libc, "getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, pointer, pointer));
        RECVMMSG = downcall(linker, libc, "recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, pointer, JAVA_INT, JAVA_INT, pointer));
        SENDMMSG = downcall(linker, libc, "sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, pointer, JAVA_INT, JAVA_INT));
        POLL = downcall(linker, libc, "poll", FunctionDescriptor.of(JAVA_INT, pointer, JAVA_LONG, JAVA_INT));
        CLOSE = downcall(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        SCHED_SETAFFINITY = downcall(linker, libc, "sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, pointer));
        // Not needed by the sockets, so not part of AVAILABLE: signal() checks for it itself.
        SIGNAL = downcall(linker, libc, "signal", FunctionDescriptor.of(pointer, JAVA_INT, pointer));

        AVAILABLE = null != SOCKET && null != BIND && null != SETSOCKOPT && null != GETSOCKNAME &&
            null != RECVMMSG && null != SENDMMSG && null != POLL && null != CLOSE && null != SCHED_SETAFFINITY &&
            checkLayouts();
    }

    private LibC()
    {
    }

    private static Linker nativeLinker()
    {
        try
        {
            return Linker.nativeLinker();
        }
        catch (final UnsupportedOperationException ex)
        {
            return null;
        }
    }

    // Linking a downcall is what --enable-native-access grants; it is the point of this class.
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(
        final Linker linker, final SymbolLookup libc, final String name, final FunctionDescriptor descriptor)
    {
        if (null == libc)
        {
            return null;
        }
        try
        {
            final Optional<MemorySegment> symbol = libc.find(name);
            return symbol.map(s -> linker.downcallHandle(s, descriptor, Linker.Option.captureCallState("errno")))
                .orElse(null);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    private static boolean checkLayouts()
    {
        final GroupLayout[] layouts =
            {SOCKADDR_IN, SOCKADDR_IN6, SOCKADDR_STORAGE, IOVEC, MSGHDR, MMSGHDR, POLLFD, SOCK_FILTER, SOCK_FPROG};
        final long[] sizes = {16, 28, 128, 16, 56, 64, 8, 8, 16};
        for (int i = 0; i < layouts.length; i++)
        {
            if (layouts[i].byteSize() != sizes[i])
            {
                return false;
            }
        }
        return MSG_LEN_OFFSET == 56 && SOCK_FPROG_FILTER_OFFSET == 8 && ADDRESS.byteSize() == 8;
    }

    /**
     * Whether the bindings can be used: x86_64 Linux with every symbol found in libc.
     *
     * @return true when {@link MmsgBatchSocket} can be opened.
     */
    public static boolean isAvailable()
    {
        return AVAILABLE;
    }

    /**
     * The errno a call left in a capture segment.
     *
     * @param errnoState segment of {@link #ERRNO_STATE_LAYOUT} passed to the call.
     * @return the errno; only meaningful after the call returned -1.
     */
    public static int errno(final MemorySegment errnoState)
    {
        return errnoState.get(JAVA_INT, ERRNO_OFFSET);
    }

    /**
     * {@code socket(2)}.
     *
     * @param errnoState capture segment.
     * @param domain     {@link #AF_INET} or {@link #AF_INET6}.
     * @param type       {@link #SOCK_DGRAM} or {@link #SOCK_RAW}, or'ed with flags.
     * @param protocol   0 for the default, or e.g. {@link #IPPROTO_RAW} for a raw socket.
     * @return the file descriptor, or -1 with errno set.
     */
    public static int socket(final MemorySegment errnoState, final int domain, final int type, final int protocol)
    {
        try
        {
            return (int)SOCKET.invokeExact(errnoState, domain, type, protocol);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code bind(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param address    a sockaddr_in or sockaddr_in6.
     * @param length     of the address struct.
     * @return 0, or -1 with errno set.
     */
    public static int bind(final MemorySegment errnoState, final int fd, final MemorySegment address, final int length)
    {
        try
        {
            return (int)BIND.invokeExact(errnoState, fd, address, length);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code setsockopt(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param level      e.g. {@link #SOL_SOCKET}.
     * @param option     e.g. {@link #SO_REUSEPORT}.
     * @param value      the option value.
     * @param length     of the value.
     * @return 0, or -1 with errno set.
     */
    public static int setsockopt(
        final MemorySegment errnoState,
        final int fd,
        final int level,
        final int option,
        final MemorySegment value,
        final int length)
    {
        try
        {
            return (int)SETSOCKOPT.invokeExact(errnoState, fd, level, option, value, length);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code getsockname(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param address    receives the address; a sockaddr_storage fits any.
     * @param length     in: a socklen_t holding the room at address; out: the address length.
     * @return 0, or -1 with errno set.
     */
    public static int getsockname(
        final MemorySegment errnoState, final int fd, final MemorySegment address, final MemorySegment length)
    {
        try
        {
            return (int)GETSOCKNAME.invokeExact(errnoState, fd, address, length);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code recvmmsg(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param messages   vector of {@link #MMSGHDR}.
     * @param count      messages in the vector.
     * @param flags      e.g. {@link #MSG_DONTWAIT}.
     * @param timeout    {@link MemorySegment#NULL}: with a non-blocking socket a timeout only adds a timer.
     * @return messages received, or -1 with errno set.
     */
    public static int recvmmsg(
        final MemorySegment errnoState,
        final int fd,
        final MemorySegment messages,
        final int count,
        final int flags,
        final MemorySegment timeout)
    {
        try
        {
            return (int)RECVMMSG.invokeExact(errnoState, fd, messages, count, flags, timeout);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code sendmmsg(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param messages   vector of {@link #MMSGHDR}.
     * @param count      messages in the vector.
     * @param flags      e.g. {@link #MSG_DONTWAIT}.
     * @return messages sent, which may be fewer than count; -1 with errno set when the first could not be sent.
     */
    public static int sendmmsg(
        final MemorySegment errnoState, final int fd, final MemorySegment messages, final int count, final int flags)
    {
        try
        {
            return (int)SENDMMSG.invokeExact(errnoState, fd, messages, count, flags);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code poll(2)}.
     *
     * @param errnoState capture segment.
     * @param fds        vector of {@link #POLLFD}.
     * @param count      entries in the vector.
     * @param timeoutMs  milliseconds to wait; 0 returns at once, -1 waits for ever.
     * @return entries with events, 0 on timeout, or -1 with errno set.
     */
    public static int poll(
        final MemorySegment errnoState, final MemorySegment fds, final long count, final int timeoutMs)
    {
        try
        {
            return (int)POLL.invokeExact(errnoState, fds, count, timeoutMs);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * Wait until one descriptor is readable: {@code poll(2)} on one {@link #POLLFD} whose events the caller set, the
     * returned events cleared first. The batch sockets' {@code awaitReceive}.
     *
     * @param errnoState capture segment.
     * @param pollFd     one {@link #POLLFD}.
     * @param timeoutMs  milliseconds to wait; negative waits for ever.
     * @return true when readable; false on timeout or when a signal interrupted the wait.
     * @throws NativeIoException when poll fails otherwise.
     */
    public static boolean awaitReadable(final MemorySegment errnoState, final MemorySegment pollFd, final int timeoutMs)
    {
        pollFd.set(JAVA_SHORT, POLL_REVENTS_OFFSET, (short)0);
        final int result = poll(errnoState, pollFd, 1, timeoutMs < 0 ? -1 : timeoutMs);
        if (result < 0)
        {
            final int errno = errno(errnoState);
            if (errno == Errno.EINTR)
            {
                return false;
            }
            throw new NativeIoException("poll", errno);
        }
        return result > 0;
    }

    /**
     * {@code close(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         to close; never retry on EINTR, Linux has released it already.
     * @return 0, or -1 with errno set.
     */
    public static int close(final MemorySegment errnoState, final int fd)
    {
        try
        {
            return (int)CLOSE.invokeExact(errnoState, fd);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code signal(2)}: set a signal's disposition to {@link #SIG_DFL} or {@link #SIG_IGN} below the JVM. Only for a
     * signal the JVM has no handler of its own for: HotSpot leaves a shutdown signal that was ignored at start alone,
     * and the server's SIGHUP reload has to undo that.
     *
     * @param errnoState  capture segment.
     * @param signum      the signal number.
     * @param disposition {@link #SIG_DFL} or {@link #SIG_IGN}.
     * @return 0, or -1 with errno set (or without a {@code signal} in this libc).
     */
    public static int signal(final MemorySegment errnoState, final int signum, final long disposition)
    {
        if (null == SIGNAL)
        {
            return -1;
        }
        try
        {
            final MemorySegment previous =
                (MemorySegment)SIGNAL.invokeExact(errnoState, signum, MemorySegment.ofAddress(disposition));
            return previous.address() == SIG_ERR ? -1 : 0;
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code sched_setaffinity(2)}: pin a thread to CPUs, so each verifier thread stays on the core whose
     * SO_REUSEPORT socket and NIC queue it serves.
     *
     * @param errnoState capture segment.
     * @param tid        thread id; 0 for the calling thread.
     * @param maskBytes  bytes in the mask, a multiple of 8.
     * @param mask       cpu_set_t: bit n set allows CPU n.
     * @return 0, or -1 with errno set.
     */
    public static int schedSetaffinity(
        final MemorySegment errnoState, final int tid, final long maskBytes, final MemorySegment mask)
    {
        try
        {
            return (int)SCHED_SETAFFINITY.invokeExact(errnoState, tid, maskBytes, mask);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * Pin the calling thread to one CPU, so a worker keeps its caches and stays next to the NIC queue that feeds its
     * SO_REUSEPORT socket.
     *
     * @param cpu 0 to 1023.
     * @return 0 on success, else the errno (EINVAL when the CPU is not in this process's allowed set).
     * @throws IllegalArgumentException when cpu is out of range.
     */
    public static int pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8)
        {
            throw new IllegalArgumentException("cpu must be 0 to " + (CPU_SET_BYTES * 8 - 1) + ", got " + cpu);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(ERRNO_STATE_LAYOUT);
            final MemorySegment mask = arena.allocate(CPU_SET_BYTES, Long.BYTES);
            mask.set(JAVA_LONG, (long)(cpu / Long.SIZE) * Long.BYTES, 1L << (cpu % Long.SIZE));
            return schedSetaffinity(errnoState, 0, CPU_SET_BYTES, mask) == 0 ? 0 : errno(errnoState);
        }
    }
}
