package io.turnstile.server;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The memory and GC figures of this JVM, sampled on demand so that a stats line can show whether they stay flat
 * under a flood (the "heap and RSS flat, 0 GC cycles") from inside the process, every second, instead of a
 * before/after pair taken by another tool:
 * <pre>
 * ,"rss_kb":..,"heap_used_bytes":..,"heap_committed_bytes":..,"gc_count":..,"gc_ms":..,"direct_bytes":..
 * </pre>
 * {@code rss_kb} is {@code VmRSS} of {@code /proc/self/status} (Linux; {@code null} where that file cannot be read),
 * the heap figures are the {@link MemoryMXBean}'s, {@code gc_count} and {@code gc_ms} the sums over every
 * {@link GarbageCollectorMXBean} since the JVM started, {@code direct_bytes} the memory the "direct"
 * {@link BufferPoolMXBean} says is in use. The MXBeans are looked up once; a sample reads the status file into a
 * buffer allocated up front. Meant for a once-a-second reporting thread, not a hot path: the MXBean calls allocate a
 * little.
 */
public final class JvmMemoryStats
{
    /** {@link #rssKb()} when the resident set size could not be read. */
    public static final long UNKNOWN = -1;

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final byte[] RSS_KEY = "VmRSS:".getBytes(StandardCharsets.US_ASCII);

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final BufferPoolMXBean directPool = directPool();
    private final ByteBuffer statusBuffer = ByteBuffer.allocate(16 * 1024);
    private boolean statusReadable = Files.isReadable(STATUS);
    private long rssKb = UNKNOWN;
    private long heapUsedBytes;
    private long heapCommittedBytes;
    private long gcCount;
    private long gcMs;
    private long directBytes;

    /**
     * Take a sample; the accessors return it until the next.
     *
     * @return this.
     */
    public JvmMemoryStats sample()
    {
        rssKb = statusReadable ? readRssKb() : UNKNOWN;
        final MemoryUsage heap = memory.getHeapMemoryUsage();
        heapUsedBytes = heap.getUsed();
        heapCommittedBytes = heap.getCommitted();
        long count = 0;
        long ms = 0;
        for (int i = 0, size = collectors.size(); i < size; i++)
        {
            final GarbageCollectorMXBean collector = collectors.get(i);
            // -1 means "undefined for this collector": count nothing rather than subtract.
            count += Math.max(0, collector.getCollectionCount());
            ms += Math.max(0, collector.getCollectionTime());
        }
        gcCount = count;
        gcMs = ms;
        directBytes = null == directPool ? 0 : Math.max(0, directPool.getMemoryUsed());
        return this;
    }

    /**
     * Append the last sample as JSON members, each preceded by a comma.
     *
     * @param sb the line being built.
     * @return sb.
     */
    public StringBuilder appendJson(final StringBuilder sb)
    {
        sb.append(",\"rss_kb\":");
        if (UNKNOWN == rssKb)
        {
            sb.append("null");
        }
        else
        {
            sb.append(rssKb);
        }
        return sb.append(",\"heap_used_bytes\":").append(heapUsedBytes)
            .append(",\"heap_committed_bytes\":").append(heapCommittedBytes)
            .append(",\"gc_count\":").append(gcCount)
            .append(",\"gc_ms\":").append(gcMs)
            .append(",\"direct_bytes\":").append(directBytes);
    }

    /**
     * Resident set size of this process at the last sample.
     *
     * @return KiB, or {@link #UNKNOWN} when {@code /proc/self/status} is not there (not Linux) or unreadable.
     */
    public long rssKb()
    {
        return rssKb;
    }

    /**
     * Heap in use at the last sample: live objects and garbage not yet collected.
     *
     * @return bytes.
     */
    public long heapUsedBytes()
    {
        return heapUsedBytes;
    }

    /**
     * Heap the JVM had committed (reserved from the OS) at the last sample.
     *
     * @return bytes.
     */
    public long heapCommittedBytes()
    {
        return heapCommittedBytes;
    }

    /**
     * Garbage collections since the JVM started, over all collectors (young and old, cycles and pauses as each
     * collector counts them).
     *
     * @return the count at the last sample.
     */
    public long gcCount()
    {
        return gcCount;
    }

    /**
     * Time the collectors report spent collecting since the JVM started.
     *
     * @return milliseconds at the last sample.
     */
    public long gcMs()
    {
        return gcMs;
    }

    /**
     * Memory the "direct" buffer pool had in use at the last sample.
     *
     * @return bytes; 0 when the JVM has no such pool.
     */
    public long directBytes()
    {
        return directBytes;
    }

    private long readRssKb()
    {
        final ByteBuffer buffer = statusBuffer;
        buffer.clear();
        try (FileChannel channel = FileChannel.open(STATUS, StandardOpenOption.READ))
        {
            while (buffer.hasRemaining() && channel.read(buffer) >= 0)
            {
                // procfs hands the file over in pieces: read until the end or the buffer is full.
            }
        }
        catch (final IOException | SecurityException ex)
        {
            statusReadable = false;
            return UNKNOWN;
        }
        return parseRssKb(buffer.array(), buffer.position());
    }

    /**
     * The value of the {@code VmRSS:} line of a {@code /proc/PID/status} text.
     *
     * @param text   the file's bytes.
     * @param length how many of them are valid.
     * @return KiB, or {@link #UNKNOWN} when there is no such line (e.g. a kernel thread).
     */
    static long parseRssKb(final byte[] text, final int length)
    {
        int lineStart = 0;
        while (lineStart + RSS_KEY.length <= length)
        {
            if (startsWith(text, lineStart, RSS_KEY))
            {
                long value = 0;
                boolean digits = false;
                for (int i = lineStart + RSS_KEY.length; i < length && text[i] != '\n'; i++)
                {
                    final byte b = text[i];
                    if (b >= '0' && b <= '9')
                    {
                        value = value * 10 + (b - '0');
                        digits = true;
                    }
                    else if (digits)
                    {
                        break;
                    }
                }
                return digits ? value : UNKNOWN;
            }
            while (lineStart < length && text[lineStart] != '\n')
            {
                lineStart++;
            }
            lineStart++;
        }
        return UNKNOWN;
    }

    private static boolean startsWith(final byte[] text, final int offset, final byte[] prefix)
    {
        for (int i = 0; i < prefix.length; i++)
        {
            if (text[offset + i] != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private static BufferPoolMXBean directPool()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool;
            }
        }
        return null;
    }
}
