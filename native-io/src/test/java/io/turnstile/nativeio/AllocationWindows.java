package io.turnstile.nativeio;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The measuring loop the native-io allocation tests share: run a warmed-up window of work and count the bytes the
 * thread allocated over it, less what reading the counter itself costs; repeat up to {@value #MAX_WINDOWS} times
 * while the window allocated anything. A late JIT deoptimisation can send a loop through lower-tier code for a
 * moment, where the FFM linker's errno-capture slice is not scalar-replaced, so one window may allocate, and on a
 * loaded CI machine C2 may compile the path several windows late; a real allocation per datagram or per batch shows
 * in every window, so the test asserts {@link #lastAllocated()} is zero.
 * Built after warm-up; measures on the calling thread only. Public for the tests of the {@code xdp} package.
 */
public final class AllocationWindows
{
    /** Windows measured at most. */
    public static final int MAX_WINDOWS = 10;

    private final com.sun.management.ThreadMXBean threads;
    private final long[] allocated = new long[MAX_WINDOWS];
    private int windows;

    private AllocationWindows(final com.sun.management.ThreadMXBean threads)
    {
        this.threads = threads;
    }

    /**
     * A meter for the calling thread; the test is skipped where the JVM cannot count a thread's allocations.
     *
     * @return a meter with no window measured yet.
     */
    public static AllocationWindows assumeSupported()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return new AllocationWindows(threads);
    }

    /**
     * Measure windows of work until one allocates nothing or {@value #MAX_WINDOWS} have run.
     *
     * @param window one window of work, returning whatever the test sums over windows (a checksum, bytes).
     * @return the sum of what the windows returned.
     */
    public long measure(final LongSupplier window)
    {
        final long overhead = measureOverhead();
        long sum = 0;
        do
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            sum += window.getAsLong();
            allocated[windows++] = threads.getCurrentThreadAllocatedBytes() - before - overhead;
        }
        while (allocated[windows - 1] != 0 && windows < MAX_WINDOWS);
        return sum;
    }

    /**
     * How many windows ran.
     *
     * @return 1 to {@value #MAX_WINDOWS}.
     */
    public int windows()
    {
        return windows;
    }

    /**
     * Bytes the last window allocated.
     *
     * @return 0 when the work allocates nothing in steady state.
     */
    public long lastAllocated()
    {
        return allocated[windows - 1];
    }

    /**
     * Bytes per window, for assertion messages.
     *
     * @return e.g. {@code [40, 0]}.
     */
    @Override
    public String toString()
    {
        return Arrays.toString(Arrays.copyOf(allocated, windows));
    }

    private long measureOverhead()
    {
        final long a = threads.getCurrentThreadAllocatedBytes();
        final long b = threads.getCurrentThreadAllocatedBytes();
        assertTrue(b >= a, "the allocated-bytes counter went back from " + a + " to " + b);
        return b - a;
    }
}
