package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.Errno;
import io.turnstile.nativeio.LibC;
import org.agrona.LangUtil;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code bpf(2)} commands an XDP front door needs, through {@code syscall(2)} and {@code java.lang.foreign}: no
 * libbpf, no ELF, no BTF, nothing compiled. Each call fills a zeroed {@code union bpf_attr} with the fields below
 * (offsets from {@code include/uapi/linux/bpf.h}) and throws a {@link BpfException} that names the command, the errno
 * and, for EPERM, the capability that is missing.
 * <pre>
 * BPF_MAP_CREATE (0)             BPF_MAP_*_ELEM (1 lookup, 2 update, 3 delete)
 *   0  u32 map_type                0  u32 map_fd
 *   4  u32 key_size                4  -- padding --
 *   8  u32 value_size              8  u64 key   (pointer)
 *  12  u32 max_entries            16  u64 value (pointer)
 *  16  u32 map_flags              24  u64 flags (BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2)
 *  28  char map_name[16]
 *
 * BPF_PROG_TEST_RUN (10)
 *   0  u32 prog_fd                 4  u32 retval (out)            8  u32 data_size_in
 *  16  u64 data_in (pointer)      32  u32 repeat                 36  u32 duration (out, ns per run)
 *
 * BPF_PROG_LOAD (5)              BPF_LINK_CREATE (28)
 *   0  u32 prog_type               0  u32 prog_fd
 *   4  u32 insn_cnt                4  u32 target_ifindex
 *   8  u64 insns   (pointer)       8  u32 attach_type (BPF_XDP 37)
 *  16  u64 license (pointer)      12  u32 flags (XDP_FLAGS_SKB_MODE 2, XDP_FLAGS_DRV_MODE 4)
 *  24  u32 log_level
 *  28  u32 log_size
 *  32  u64 log_buf (pointer)
 *  48  char prog_name[16]
 *  68  u32 expected_attach_type
 * </pre>
 * These run while a server starts, not on the data path: each call allocates its own small confined arena.
 * <p>
 * <b>Note:</b> {@link #isAvailable()} is true where {@link LibC#isAvailable()} is (x86_64 Linux), since descriptors are
 * closed through it; {@code SYS_bpf} is known for aarch64 too (280; 321 on x86_64) for when {@code LibC} is. Whether
 * the process may use {@code bpf(2)} at all shows only when a call fails with EPERM.
 */
public final class Bpf
{
    /** Map type: a fixed-size array of values, one copy shared by every CPU. */
    public static final int MAP_TYPE_ARRAY = 2;
    /** Map type: an array with one copy of each value per possible CPU, so the data path updates it without atomics. */
    public static final int MAP_TYPE_PERCPU_ARRAY = 6;
    /** Map type: RX queue index to AF_XDP socket, the target of {@code bpf_redirect_map}. */
    public static final int MAP_TYPE_XSKMAP = 17;
    /** Program type XDP. */
    public static final int PROG_TYPE_XDP = 6;
    /** Attach type XDP, for both the program's expected attach type and the link. */
    public static final int ATTACH_TYPE_XDP = 37;
    /** Link flag: generic XDP, run on the skb after the driver built it; works on every device. */
    public static final int XDP_FLAGS_SKB_MODE = 2;
    /** Link flag: native XDP, run by the driver before any skb exists; fails where the driver lacks it. */
    public static final int XDP_FLAGS_DRV_MODE = 4;
    /** Map update flag: create or replace. */
    public static final long UPDATE_ANY = 0;

    static final int CMD_MAP_CREATE = 0;
    static final int CMD_MAP_LOOKUP_ELEM = 1;
    static final int CMD_MAP_UPDATE_ELEM = 2;
    static final int CMD_MAP_DELETE_ELEM = 3;
    static final int CMD_PROG_LOAD = 5;
    static final int CMD_PROG_TEST_RUN = 10;
    static final int CMD_LINK_CREATE = 28;

    private static final int ENOENT = 2;
    private static final int E2BIG = 7;
    private static final int EBUSY = 16;
    private static final int EEXIST = 17;
    private static final int ENODEV = 19;
    private static final int ENOSPC = 28;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    /** Bytes of the attr passed: more than any command here uses; the kernel accepts a longer, zero-tailed attr. */
    private static final int ATTR_SIZE = 128;
    /** Room for the verifier log on a failed load; a rejected program of a few hundred instructions fits easily. */
    private static final int LOG_SIZE = 1 << 20;
    private static final int OBJ_NAME_LEN = 16;

    private static final long SYS_BPF;
    private static final MethodHandle SYSCALL;
    private static final MethodHandle IF_NAMETOINDEX;

    static
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        final boolean linux = os.startsWith("linux");
        if (linux && (arch.equals("amd64") || arch.equals("x86_64")))
        {
            SYS_BPF = 321;
        }
        else if (linux && arch.equals("aarch64"))
        {
            SYS_BPF = 280;
        }
        else
        {
            SYS_BPF = -1;
        }
        final Linker linker = SYS_BPF < 0 ? null : Linker.nativeLinker();
        final SymbolLookup libc = null == linker ? null : linker.defaultLookup();
        // long syscall(long number, ...): the three int/pointer/int arguments after the number are variadic.
        SYSCALL = downcall(linker, libc, "syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), 1);
        IF_NAMETOINDEX = downcall(linker, libc, "if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1);
    }

    private Bpf()
    {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(
        final Linker linker, final SymbolLookup libc, final String name, final FunctionDescriptor descriptor,
        final int firstVariadic)
    {
        if (null == libc)
        {
            return null;
        }
        return libc.find(name).map(symbol -> firstVariadic < 0 ?
            linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno")) :
            linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(firstVariadic)))
            .orElse(null);
    }

    /**
     * Whether {@code bpf(2)} can be called from here: {@link LibC#isAvailable()}, with {@code syscall} and
     * {@code if_nametoindex} in libc. Says nothing about privileges.
     *
     * @return true when the other methods may be called.
     */
    public static boolean isAvailable()
    {
        return null != SYSCALL && null != IF_NAMETOINDEX && LibC.isAvailable();
    }

    /**
     * {@code BPF_MAP_CREATE}.
     *
     * @param mapType    e.g. {@link #MAP_TYPE_XSKMAP}.
     * @param keySize    bytes of a key (4 for the array types).
     * @param valueSize  bytes of a value.
     * @param maxEntries entries.
     * @param name       up to 15 ASCII characters, shown by {@code bpftool map}; longer names are cut.
     * @return the map's file descriptor; close it with {@link #close(int)}.
     * @throws BpfException when the kernel refuses.
     */
    public static int mapCreate(
        final int mapType, final int keySize, final int valueSize, final int maxEntries, final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, mapType);
            attr.set(JAVA_INT, 4, keySize);
            attr.set(JAVA_INT, 8, valueSize);
            attr.set(JAVA_INT, 12, maxEntries);
            putName(attr, 28, name);
            return (int)call(arena, CMD_MAP_CREATE, attr, "BPF_MAP_CREATE " + name);
        }
    }

    /**
     * {@code BPF_MAP_UPDATE_ELEM}.
     *
     * @param mapFd map.
     * @param key   at least the map's key size.
     * @param value at least the map's value size (times the possible CPUs, rounded to 8 bytes each, for per-CPU maps).
     * @param flags {@link #UPDATE_ANY}.
     * @throws BpfException when the kernel refuses, e.g. EINVAL for a key beyond an array, or a socket an XSKMAP
     *                      cannot take.
     */
    public static void mapUpdate(final int mapFd, final MemorySegment key, final MemorySegment value, final long flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = elemAttr(arena, mapFd, key, value);
            attr.set(JAVA_LONG, 24, flags);
            call(arena, CMD_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
        }
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM}.
     *
     * @param mapFd map.
     * @param key   at least the map's key size.
     * @param value receives the value (per-CPU maps: one 8-byte-aligned slot per possible CPU).
     * @return false when the key has no value (ENOENT).
     * @throws BpfException on any other failure.
     */
    public static boolean mapLookup(final int mapFd, final MemorySegment key, final MemorySegment value)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = elemAttr(arena, mapFd, key, value);
            return call(arena, CMD_MAP_LOOKUP_ELEM, attr, "BPF_MAP_LOOKUP_ELEM") >= 0;
        }
    }

    /**
     * {@code BPF_MAP_DELETE_ELEM}.
     *
     * @param mapFd map; XSKMAP entries can be deleted, array entries cannot (EINVAL).
     * @param key   at least the map's key size.
     * @return false when the key had no value (ENOENT).
     * @throws BpfException on any other failure.
     */
    public static boolean mapDelete(final int mapFd, final MemorySegment key)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = elemAttr(arena, mapFd, key, MemorySegment.NULL);
            return call(arena, CMD_MAP_DELETE_ELEM, attr, "BPF_MAP_DELETE_ELEM") >= 0;
        }
    }

    /**
     * {@code BPF_PROG_LOAD} of an XDP program. A first attempt runs without a verifier log (cheaper); when it fails,
     * a second one with {@code log_level 1} collects the verifier's reasons for the exception.
     *
     * @param name         up to 15 characters, shown by {@code ip link} and {@code bpftool prog}.
     * @param instructions the program, 8 bytes an instruction, as {@link EbpfAssembler#build()} makes it.
     * @param license      any string loads programs that call only non-GPL helpers ({@code bpf_redirect_map} is one).
     * @return the program's file descriptor; close it with {@link #close(int)} once attached, or to unload it.
     * @throws BpfException with the verifier's log when the kernel rejects the program.
     */
    public static int progLoadXdp(final String name, final byte[] instructions, final String license)
    {
        if (instructions.length == 0 || instructions.length % EbpfAssembler.INSTRUCTION_BYTES != 0)
        {
            throw new IllegalArgumentException("instructions must be a non-empty multiple of 8 bytes, got " +
                instructions.length);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment insns = arena.allocate(instructions.length, 8);
            MemorySegment.copy(instructions, 0, insns, JAVA_BYTE, 0, instructions.length);
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, PROG_TYPE_XDP);
            attr.set(JAVA_INT, 4, instructions.length / EbpfAssembler.INSTRUCTION_BYTES);
            attr.set(JAVA_LONG, 8, insns.address());
            attr.set(JAVA_LONG, 16, arena.allocateFrom(license, StandardCharsets.US_ASCII).address());
            putName(attr, 48, name);
            attr.set(JAVA_INT, 68, ATTACH_TYPE_XDP);
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final long fd = syscall(errnoState, CMD_PROG_LOAD, attr);
            if (fd >= 0)
            {
                return (int)fd;
            }
            final int firstErrno = LibC.errno(errnoState);
            if (firstErrno == Errno.EPERM)
            {
                throw failure("BPF_PROG_LOAD " + name, firstErrno, "");
            }
            final MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(JAVA_INT, 24, 1);
            attr.set(JAVA_INT, 28, LOG_SIZE);
            attr.set(JAVA_LONG, 32, log.address());
            final long retried = syscall(errnoState, CMD_PROG_LOAD, attr);
            if (retried >= 0)
            {
                return (int)retried;
            }
            throw failure("BPF_PROG_LOAD " + name, LibC.errno(errnoState), log.getString(0, StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code BPF_PROG_TEST_RUN}: run an XDP program on one frame in the kernel, without any interface, and return its
     * verdict. The frame is seen on RX queue 0 of no device; a redirect to an empty XSKMAP entry takes the fallback.
     *
     * @param progFd an XDP program.
     * @param frame  an Ethernet frame, at least 14 bytes.
     * @return the program's return value, e.g. {@link EbpfAssembler#XDP_DROP}.
     * @throws BpfException when the kernel refuses.
     */
    public static int progTestRun(final int progFd, final byte[] frame)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment data = arena.allocate(frame.length, 8);
            MemorySegment.copy(frame, 0, data, JAVA_BYTE, 0, frame.length);
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progFd);
            attr.set(JAVA_INT, 8, frame.length);
            attr.set(JAVA_LONG, 16, data.address());
            attr.set(JAVA_INT, 32, 1);
            call(arena, CMD_PROG_TEST_RUN, attr, "BPF_PROG_TEST_RUN");
            return attr.get(JAVA_INT, 4);
        }
    }

    /**
     * {@code BPF_LINK_CREATE}: attach an XDP program to an interface. The attachment lives as long as the returned
     * descriptor: closing it, or the process dying, detaches the program, so a crashed server never leaves a filter
     * behind.
     *
     * @param progFd  an XDP program.
     * @param ifindex the interface, see {@link #ifIndex(String)}.
     * @param flags   {@link #XDP_FLAGS_DRV_MODE}, {@link #XDP_FLAGS_SKB_MODE}, or 0 to let the kernel pick native
     *                mode where the driver has it.
     * @return the link's file descriptor.
     * @throws BpfException when the kernel refuses, e.g. EBUSY when another program is attached to the interface.
     */
    public static int linkCreateXdp(final int progFd, final int ifindex, final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progFd);
            attr.set(JAVA_INT, 4, ifindex);
            attr.set(JAVA_INT, 8, ATTACH_TYPE_XDP);
            attr.set(JAVA_INT, 12, flags);
            return (int)call(arena, CMD_LINK_CREATE, attr, "BPF_LINK_CREATE XDP on ifindex " + ifindex);
        }
    }

    /**
     * {@code if_nametoindex(3)}.
     *
     * @param name interface name, e.g. {@code eth0}.
     * @return its index.
     * @throws BpfException when there is no such interface in this network namespace.
     */
    public static int ifIndex(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final int index = (int)IF_NAMETOINDEX.invokeExact(errnoState,
                arena.allocateFrom(name, StandardCharsets.US_ASCII));
            if (index == 0)
            {
                throw new BpfException("no network interface named " + name + " (" +
                    errnoName(LibC.errno(errnoState)) + ")", LibC.errno(errnoState), "");
            }
            return index;
        }
        catch (final BpfException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * Close a map, program or link descriptor; closing a link detaches its program.
     *
     * @param fd descriptor; negative values are ignored.
     */
    public static void close(final int fd)
    {
        if (fd >= 0)
        {
            try (Arena arena = Arena.ofConfined())
            {
                LibC.close(arena.allocate(LibC.ERRNO_STATE_LAYOUT), fd);
            }
        }
    }

    /**
     * The number of possible CPUs, which sizes the value of a per-CPU map lookup, from
     * {@code /sys/devices/system/cpu/possible} (e.g. {@code 0-63}; not the online CPUs, which can be fewer).
     *
     * @return the highest possible CPU id plus one.
     */
    public static int possibleCpus()
    {
        try
        {
            final String text = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
            int highest = 0;
            for (final String range : text.split(","))
            {
                final int dash = range.indexOf('-');
                highest = Math.max(highest, Integer.parseInt(dash < 0 ? range : range.substring(dash + 1)));
            }
            return highest + 1;
        }
        catch (final IOException | NumberFormatException ex)
        {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * The name of an errno, including those {@link Errno} does not list.
     *
     * @param errno value.
     * @return e.g. "ENOENT".
     */
    static String errnoName(final int errno)
    {
        return switch (errno)
        {
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case ENOSPC -> "ENOSPC";
            case ENOSYS -> "ENOSYS";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> Errno.name(errno);
        };
    }

    private static MemorySegment elemAttr(
        final Arena arena, final int mapFd, final MemorySegment key, final MemorySegment value)
    {
        final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(JAVA_INT, 0, mapFd);
        attr.set(JAVA_LONG, 8, key.address());
        attr.set(JAVA_LONG, 16, value.address());
        return attr;
    }

    private static void putName(final MemorySegment attr, final long offset, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < Math.min(bytes.length, OBJ_NAME_LEN - 1); i++)
        {
            // The kernel accepts only alphanumerics, '_' and '.' in object names.
            final byte b = bytes[i];
            final boolean ok = Character.isLetterOrDigit(b) || b == '_' || b == '.';
            attr.set(JAVA_BYTE, offset + i, ok ? b : (byte)'_');
        }
    }

    /**
     * One command; -1 only for lookup/delete ENOENT, which callers turn into false.
     */
    private static long call(final Arena arena, final int cmd, final MemorySegment attr, final String what)
    {
        final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
        final long result = syscall(errnoState, cmd, attr);
        if (result >= 0)
        {
            return result;
        }
        final int errno = LibC.errno(errnoState);
        if (errno == ENOENT && (cmd == CMD_MAP_LOOKUP_ELEM || cmd == CMD_MAP_DELETE_ELEM))
        {
            return -1;
        }
        throw failure(what, errno, "");
    }

    private static long syscall(final MemorySegment errnoState, final int cmd, final MemorySegment attr)
    {
        if (!isAvailable())
        {
            throw new BpfException("bpf(2) is not available on " + System.getProperty("os.name") + "/" +
                System.getProperty("os.arch"), Errno.EINVAL, "");
        }
        try
        {
            return (long)SYSCALL.invokeExact(errnoState, SYS_BPF, cmd, attr, ATTR_SIZE);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    static BpfException failure(final String what, final int errno, final String log)
    {
        final StringBuilder message = new StringBuilder("bpf(").append(what).append(") failed: ")
            .append(errnoName(errno)).append(" (").append(errno).append(')');
        final String hint = hint(what, errno);
        if (!hint.isEmpty())
        {
            message.append(": ").append(hint);
        }
        if (!log.isEmpty())
        {
            message.append("\nverifier log:\n").append(log.strip());
        }
        return new BpfException(message.toString(), errno, log);
    }

    private static String hint(final String what, final int errno)
    {
        if (errno == Errno.EPERM)
        {
            return what.startsWith("BPF_LINK_CREATE") ?
                "attaching XDP needs CAP_NET_ADMIN (and CAP_BPF), or root" :
                "bpf(2) needs CAP_BPF (loading an XDP program also CAP_NET_ADMIN), or root; " +
                "kernel.unprivileged_bpf_disabled does not matter then";
        }
        if (errno == ENOSYS)
        {
            return "this kernel was built without CONFIG_BPF_SYSCALL";
        }
        if (errno == EBUSY && what.startsWith("BPF_LINK_CREATE"))
        {
            return "another XDP program is attached to that interface already";
        }
        if (errno == EOPNOTSUPP && what.startsWith("BPF_LINK_CREATE"))
        {
            return "the driver has no native XDP: use generic (SKB) mode";
        }
        if (errno == Errno.EINVAL && what.startsWith("BPF_LINK_CREATE"))
        {
            return "XDP links need Linux 5.9 or later; also check the interface's MTU fits native XDP";
        }
        if (errno == Errno.EACCES && what.startsWith("BPF_PROG_LOAD"))
        {
            return "the verifier rejected the program";
        }
        return "";
    }
}
