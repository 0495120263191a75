package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LibCTest
{
    @Test
    @Timeout(10)
    void shouldBeAvailableOnX8664Linux()
    {
        final String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        assumeTrue(os.startsWith("linux") && arch.equals("amd64"));

        assertTrue(LibC.isAvailable());
    }

    @Test
    @Timeout(10)
    void shouldSetASignalsDispositionBelowTheJvm() throws Exception
    {
        assumeTrue(LibC.isAvailable());
        // SIGWINCH: one the JVM has no handler for and whose default action is to ignore it, so flipping it is safe.
        final int sigwinch = 28;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            assertEquals(0, LibC.signal(errnoState, sigwinch, LibC.SIG_IGN));
            assertTrue(SignalDispositions.ignored(sigwinch), "SigIgn has SIGWINCH after SIG_IGN");
            assertEquals(0, LibC.signal(errnoState, sigwinch, LibC.SIG_DFL));
            assertFalse(SignalDispositions.ignored(sigwinch), "SigIgn still has SIGWINCH after SIG_DFL");
            // SIGKILL's disposition cannot be changed: the call fails with EINVAL.
            assertEquals(-1, LibC.signal(errnoState, 9, LibC.SIG_IGN));
            assertEquals(22, LibC.errno(errnoState));
        }
    }

    @Test
    @Timeout(10)
    void shouldLayOutStructsAsTheX8664Kernel()
    {
        assertEquals(16, LibC.SOCKADDR_IN.byteSize());
        assertEquals(28, LibC.SOCKADDR_IN6.byteSize());
        assertEquals(128, LibC.SOCKADDR_STORAGE.byteSize());
        assertEquals(8, LibC.SOCKADDR_STORAGE.byteAlignment());
        assertEquals(16, LibC.IOVEC.byteSize());
        assertEquals(56, LibC.MSGHDR.byteSize());
        assertEquals(64, LibC.MMSGHDR.byteSize());
        assertEquals(8, LibC.POLLFD.byteSize());

        assertEquals(2, LibC.SIN_PORT_OFFSET);
        assertEquals(4, LibC.SIN_ADDR_OFFSET);
        assertEquals(4, LibC.SIN6_FLOWINFO_OFFSET);
        assertEquals(8, LibC.SIN6_ADDR_OFFSET);
        assertEquals(24, LibC.SIN6_SCOPE_ID_OFFSET);
        assertEquals(0, LibC.IOV_BASE_OFFSET);
        assertEquals(8, LibC.IOV_LEN_OFFSET);
        assertEquals(0, LibC.MSG_NAME_OFFSET);
        assertEquals(8, LibC.MSG_NAMELEN_OFFSET);
        assertEquals(16, LibC.MSG_IOV_OFFSET);
        assertEquals(24, LibC.MSG_IOVLEN_OFFSET);
        assertEquals(48, LibC.MSG_FLAGS_OFFSET);
        assertEquals(56, LibC.MSG_LEN_OFFSET);
        assertEquals(4, LibC.POLL_EVENTS_OFFSET);
        assertEquals(6, LibC.POLL_REVENTS_OFFSET);
        assertEquals(8, LibC.SOCK_FILTER.byteSize());
        assertEquals(2, LibC.SOCK_FILTER_JT_OFFSET);
        assertEquals(3, LibC.SOCK_FILTER_JF_OFFSET);
        assertEquals(4, LibC.SOCK_FILTER_K_OFFSET);
        assertEquals(16, LibC.SOCK_FPROG.byteSize());
        assertEquals(8, LibC.SOCK_FPROG_FILTER_OFFSET);
    }

    @Test
    @Timeout(10)
    void shouldCaptureErrnoOfTheFailedCallItself()
    {
        assumeTrue(LibC.isAvailable());
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = arena.allocate(LibC.ERRNO_STATE_LAYOUT);

            assertEquals(-1, LibC.close(errno, -1));
            assertEquals(Errno.EBADF, LibC.errno(errno));

            assertEquals(-1, LibC.socket(errno, 12345, LibC.SOCK_DGRAM, 0));
            assertEquals(Errno.EAFNOSUPPORT, LibC.errno(errno));
        }
    }

    @Test
    @Timeout(10)
    void shouldOpenBindNameAndCloseASocketThroughTheRawBindings()
    {
        assumeTrue(LibC.isAvailable());
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final int type = LibC.SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC;
            final int fd = LibC.socket(errno, LibC.AF_INET, type, 0);
            assertTrue(fd >= 0, () -> "socket: " + Errno.name(LibC.errno(errno)));

            final MemorySegment one = arena.allocate(JAVA_INT);
            one.set(JAVA_INT, 0, 1);
            assertEquals(0, LibC.setsockopt(errno, fd, LibC.SOL_SOCKET, LibC.SO_REUSEPORT, one, 4));

            final MemorySegment address = arena.allocate(LibC.SOCKADDR_IN);
            address.set(JAVA_SHORT, 0, (short)LibC.AF_INET);
            address.set(JAVA_BYTE, LibC.SIN_ADDR_OFFSET, (byte)127);
            address.set(JAVA_BYTE, LibC.SIN_ADDR_OFFSET + 3, (byte)1);
            assertEquals(0, LibC.bind(errno, fd, address, 16), () -> "bind: " + Errno.name(LibC.errno(errno)));

            final MemorySegment name = arena.allocate(LibC.SOCKADDR_STORAGE);
            final MemorySegment nameLength = arena.allocate(JAVA_INT);
            nameLength.set(JAVA_INT, 0, 128);
            assertEquals(0, LibC.getsockname(errno, fd, name, nameLength));
            assertEquals(16, nameLength.get(JAVA_INT, 0));
            assertEquals(LibC.AF_INET, name.get(JAVA_SHORT, 0));
            assertNotEquals(0, name.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), LibC.SIN_PORT_OFFSET));

            final MemorySegment header = arena.allocate(LibC.MMSGHDR);
            assertEquals(-1, LibC.recvmmsg(errno, fd, header, 1, LibC.MSG_DONTWAIT, MemorySegment.NULL));
            assertEquals(Errno.EAGAIN, LibC.errno(errno));

            final MemorySegment pollFd = arena.allocate(LibC.POLLFD);
            pollFd.set(JAVA_INT, 0, fd);
            pollFd.set(JAVA_SHORT, LibC.POLL_EVENTS_OFFSET, (short)LibC.POLLIN);
            assertEquals(0, LibC.poll(errno, pollFd, 1, 0));

            assertEquals(0, LibC.close(errno, fd));
            assertEquals(-1, LibC.sendmmsg(errno, fd, header, 1, LibC.MSG_DONTWAIT));
            assertEquals(Errno.EBADF, LibC.errno(errno));
        }
    }

    @Test
    @Timeout(10)
    void shouldPinAThreadWithSchedSetaffinity() throws InterruptedException
    {
        assumeTrue(LibC.isAvailable());
        final AtomicInteger everyCpu = new AtomicInteger(-2);
        final AtomicInteger noSuchCpu = new AtomicInteger(-2);
        final Thread thread = new Thread(() ->
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment errno = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
                final MemorySegment mask = arena.allocate(128, 8);
                mask.fill((byte)0xFF);
                everyCpu.set(LibC.schedSetaffinity(errno, 0, mask.byteSize(), mask) == 0 ? 0 : LibC.errno(errno));

                mask.fill((byte)0);
                mask.set(JAVA_LONG, 120, Long.MIN_VALUE);
                noSuchCpu.set(LibC.schedSetaffinity(errno, 0, mask.byteSize(), mask) == 0 ? 0 : LibC.errno(errno));
            }
        });
        thread.start();
        thread.join();

        assertEquals(0, everyCpu.get(), () -> Errno.name(everyCpu.get()));
        assertEquals(Errno.EINVAL, noSuchCpu.get(), () -> Errno.name(noSuchCpu.get()));
    }

    @Test
    @Timeout(10)
    void shouldPinAThreadToOneCpuOrNameWhyNot() throws InterruptedException
    {
        assumeTrue(LibC.isAvailable());
        final AtomicInteger firstCpu = new AtomicInteger(-2);
        final AtomicInteger lastCpu = new AtomicInteger(-2);
        final Thread thread = new Thread(() ->
        {
            firstCpu.set(LibC.pinCurrentThread(0));
            lastCpu.set(LibC.pinCurrentThread(1023));
        });
        thread.start();
        thread.join();

        assertTrue(firstCpu.get() == 0 || firstCpu.get() == Errno.EINVAL, () -> Errno.name(firstCpu.get()));
        assertEquals(Errno.EINVAL, lastCpu.get(), "CPU 1023 is not in this process's allowed set");
        assertThrows(IllegalArgumentException.class, () -> LibC.pinCurrentThread(1024));
        assertThrows(IllegalArgumentException.class, () -> LibC.pinCurrentThread(-1));
    }

    @Test
    @Timeout(10)
    void shouldRunTestsWithTheJitFlagsThatKeepSystemCallsAllocationFree()
    {
        final List<String> arguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (final String flag : LibC.JIT_FLAGS.split(" "))
        {
            assertTrue(arguments.contains(flag),
                () -> flag + " missing: native-io/pom.xml turnstile.ffm.jit.flags must match LibC.JIT_FLAGS");
        }
    }

    @Test
    @Timeout(10)
    void shouldNameErrnosWithoutAllocatingForKnownOnes()
    {
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("EMSGSIZE", Errno.name(90));
        assertEquals("EADDRINUSE", Errno.name(98));
        assertEquals("ECONNREFUSED", Errno.name(111));
        assertEquals("errno 4095", Errno.name(4095));
        assertTrue(Errno.isTransient(Errno.EAGAIN) && Errno.isTransient(Errno.EINTR) && Errno.isTransient(105));
        assertTrue(!Errno.isTransient(Errno.EBADF));
    }
}
