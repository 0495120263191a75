package io.turnstile.nativeio;

import org.agrona.IoUtil;
import org.agrona.SemanticVersion;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A server's counters in a memory-mapped file, {@value #FILE_NAME} in a directory of its own, laid out like Aeron's
 * CnC file so another process maps it and reads every counter while the server runs (no RPC, no log scraping):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  version (semantic), written last: 0 means not ready yet      |  0
 *  +---------------------------------------------------------------+
 *  |  counters metadata buffer length                              |  4
 *  +---------------------------------------------------------------+
 *  |  counters values buffer length                                |  8
 *  +---------------------------------------------------------------+
 *  |  reserved                                                     | 12
 *  +---------------------------------------------------------------+
 *  |  owner pid                                                    | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  start timestamp, epoch ms                                    | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  owner process start, epoch ms (-1 unknown): pid reuse check  | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  padding to HEADER_LENGTH (128) bytes                         |
 *  +---------------------------------------------------------------+
 *  |  counters metadata: Agrona CountersManager records (labels,   | HEADER_LENGTH
 *  |  type ids, keys), 512 bytes per counter                       |
 *  +---------------------------------------------------------------+
 *  |  counters values: 128 bytes per counter, 8-byte value first   | HEADER_LENGTH + metadata length
 *  +---------------------------------------------------------------+
 * </pre>
 * Native byte order (little-endian on x86_64), as Agrona writes it. Type ids are {@link io.turnstile.status.CounterTypes}.
 * <p>
 * One directory per server, never shared: the owner holds an exclusive lock on the file for its lifetime, so
 * {@link #create(Path, int)} refuses a directory whose owner runs (in this JVM or another; network namespaces share
 * {@code /dev/shm}, and the lock works across them) and replaces one whose owner died. {@link #close()} by the owner
 * deletes the file and the directory (when empty). The default directory, {@link #defaultDirectory()}, is
 * {@code /dev/shm/turnstile-PID}: memory, not disk, and the pid keeps two servers apart.
 * <p>
 * <b>Note:</b> a reader maps the file read-only; once the owner closes it the reader's mapping stays valid (the
 * file is unlinked, not truncated) but no longer moves: check {@link #isOwnerAlive()}.
 */
public final class CountersFile implements AutoCloseable
{
    /** Name of the file in its directory. */
    public static final String FILE_NAME = "counters.dat";
    /** Prefix of the default directories' names, followed by the pid. */
    public static final String DIRECTORY_PREFIX = "turnstile-";
    /** Layout version this class writes and reads. */
    public static final int VERSION = SemanticVersion.compose(1, 0, 0);
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 0;
    /** Offset of the metadata buffer's length. */
    public static final int METADATA_LENGTH_OFFSET = 4;
    /** Offset of the values buffer's length. */
    public static final int VALUES_LENGTH_OFFSET = 8;
    /** Offset of the owner's pid. */
    public static final int PID_OFFSET = 16;
    /** Offset of the start timestamp. */
    public static final int START_TIMESTAMP_OFFSET = 24;
    /** Offset of the owner process's start time. */
    public static final int PROCESS_START_OFFSET = 32;
    /** Bytes before the metadata: two cache lines, so the buffers after it stay aligned. */
    public static final int HEADER_LENGTH = 128;

    private static final long PROCESS_START_TOLERANCE_MS = 2_000;

    private final Path directory;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final CountersManager countersManager;
    private final CountersReader countersReader;
    private boolean closed;

    private CountersFile(
        final Path directory, final FileChannel channel, final FileLock lock, final MappedByteBuffer mapped,
        final boolean owner)
    {
        this.directory = directory;
        this.file = directory.resolve(FILE_NAME);
        this.channel = channel;
        this.lock = lock;
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final int metadataLength = header.getInt(METADATA_LENGTH_OFFSET);
        final int valuesLength = header.getInt(VALUES_LENGTH_OFFSET);
        this.metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
        this.values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength);
        this.countersManager = owner ? new CountersManager(metadata, values) : null;
        this.countersReader = owner ? countersManager : new CountersReader(metadata, values);
    }

    /**
     * Create the file for a server, room for a number of counters, and claim the directory.
     *
     * @param directory where the file goes, created when missing.
     * @param counters  how many counters it holds.
     * @return the owner's view: {@link #countersManager()} allocates from it.
     * @throws IllegalStateException when a running process owns the directory (the message names it), or the file
     *                               cannot be made.
     */
    public static CountersFile create(final Path directory, final int counters)
    {
        final int valuesLength = counters * CountersReader.COUNTER_LENGTH;
        final int metadataLength = counters * CountersReader.METADATA_LENGTH;
        final Path file = directory.resolve(FILE_NAME);
        FileChannel channel = null;
        try
        {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final FileLock lock = tryLock(channel);
            if (null == lock)
            {
                throw new IllegalStateException("counters directory " + directory + " is in use by " +
                    describeOwner(channel) + ": give each server its own --counters-dir");
            }
            // Whoever had it is gone: start from an empty file, never from a dead server's values.
            channel.truncate(0);
            final long length = (long)HEADER_LENGTH + metadataLength + valuesLength;
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            header.putInt(METADATA_LENGTH_OFFSET, metadataLength);
            header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
            header.putLong(PID_OFFSET, ProcessHandle.current().pid());
            header.putLong(START_TIMESTAMP_OFFSET, System.currentTimeMillis());
            header.putLong(PROCESS_START_OFFSET, processStartMs(ProcessHandle.current()));
            // Published last: a reader that sees the version sees the lengths.
            header.putIntVolatile(VERSION_OFFSET, VERSION);
            return new CountersFile(directory, channel, lock, mapped, true);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new IllegalStateException("cannot create counters file " + file + ": " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
    }

    /**
     * Map a server's file read-only, from any process.
     *
     * @param directory the server's counters directory.
     * @return the reader's view.
     * @throws IllegalStateException when there is no such file, it is not ready, or its version is not this one.
     */
    public static CountersFile mapReadOnly(final Path directory)
    {
        final Path file = directory.resolve(FILE_NAME);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < HEADER_LENGTH)
            {
                throw new IllegalStateException("counters file " + file + " is not ready (" + size + " bytes)");
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            final int version = header.getIntVolatile(VERSION_OFFSET);
            if (version != VERSION)
            {
                IoUtil.unmap(mapped);
                throw new IllegalStateException("counters file " + file + (0 == version ? " is not ready" :
                    " has version " + SemanticVersion.toString(version) + ", this reader knows " +
                    SemanticVersion.toString(VERSION)));
            }
            final long needed = (long)HEADER_LENGTH + header.getInt(METADATA_LENGTH_OFFSET) +
                header.getInt(VALUES_LENGTH_OFFSET);
            if (needed > size)
            {
                IoUtil.unmap(mapped);
                throw new IllegalStateException("counters file " + file + " is shorter than its header says");
            }
            // The mapping outlives the channel: nothing of the file is held open but the memory.
            return new CountersFile(directory, null, null, mapped, false);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read counters file " + file + ": " + ex, ex);
        }
    }

    /**
     * The directory a server of this process uses unless told otherwise: {@code /dev/shm/turnstile-PID}, or under
     * {@code java.io.tmpdir} where there is no {@code /dev/shm}.
     *
     * @return the path; not created.
     */
    public static Path defaultDirectory()
    {
        return defaultParent().resolve(DIRECTORY_PREFIX + ProcessHandle.current().pid());
    }

    /**
     * Where default directories are made.
     *
     * @return {@code /dev/shm}, or {@code java.io.tmpdir} where there is none.
     */
    public static Path defaultParent()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * The counters directories under a parent whose owner runs, e.g. every server on this machine.
     *
     * @param parent e.g. {@link #defaultParent()}.
     * @return the directories named {@value #DIRECTORY_PREFIX}* holding a ready file whose owner is alive, sorted.
     */
    public static List<Path> findRunning(final Path parent)
    {
        final List<Path> running = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, DIRECTORY_PREFIX + "*"))
        {
            for (final Path dir : dirs)
            {
                if (!Files.isRegularFile(dir.resolve(FILE_NAME)))
                {
                    continue;
                }
                try (CountersFile counters = mapReadOnly(dir))
                {
                    if (counters.isOwnerAlive())
                    {
                        running.add(dir);
                    }
                }
                catch (final IllegalStateException ignore)
                {
                    // not ready, another version, or gone meanwhile: not a server this reader can show
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + parent, ex);
        }
        running.sort(null);
        return running;
    }

    /**
     * The counters, for the owner to allocate from.
     *
     * @return the manager.
     * @throws IllegalStateException for a read-only view.
     */
    public CountersManager countersManager()
    {
        if (null == countersManager)
        {
            throw new IllegalStateException("a read-only view of " + file + " cannot allocate counters");
        }
        return countersManager;
    }

    /**
     * The counters, to read by id, type id, key and label.
     *
     * @return the reader.
     */
    public CountersReader countersReader()
    {
        return countersReader;
    }

    /**
     * The directory.
     *
     * @return the path.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * The owner's pid.
     *
     * @return the pid.
     */
    public long pid()
    {
        return header.getLong(PID_OFFSET);
    }

    /**
     * When the owner made the file.
     *
     * @return epoch milliseconds.
     */
    public long startTimestampMs()
    {
        return header.getLong(START_TIMESTAMP_OFFSET);
    }

    /**
     * Whether the process that made the file still runs: its pid is alive and, where both are known, started when
     * the owner did (a reused pid is another process).
     *
     * @return true while the owner runs.
     */
    public boolean isOwnerAlive()
    {
        final Optional<ProcessHandle> process = ProcessHandle.of(pid());
        if (process.isEmpty() || !process.get().isAlive())
        {
            return false;
        }
        final long recorded = header.getLong(PROCESS_START_OFFSET);
        final long actual = processStartMs(process.get());
        return recorded < 0 || actual < 0 || Math.abs(recorded - actual) <= PROCESS_START_TOLERANCE_MS;
    }

    /**
     * Unmap; the owner also deletes the file and, when nothing else is in it, the directory. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        IoUtil.unmap(mapped);
        if (null != channel)
        {
            try
            {
                Files.deleteIfExists(file);
                Files.deleteIfExists(directory);
            }
            catch (final IOException ignore)
            {
                // a directory someone put other files in stays; the file is gone
            }
            finally
            {
                try
                {
                    lock.release();
                }
                catch (final IOException ignore)
                {
                    // closing the channel releases it too
                }
                closeQuietly(channel);
            }
        }
    }

    private static FileLock tryLock(final FileChannel channel) throws IOException
    {
        try
        {
            return channel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            return null;
        }
    }

    private static String describeOwner(final FileChannel channel) throws IOException
    {
        if (channel.size() < HEADER_LENGTH)
        {
            return "another server";
        }
        final ByteBuffer pid = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        channel.read(pid, PID_OFFSET);
        return "running process " + pid.getLong(0);
    }

    private static long processStartMs(final ProcessHandle process)
    {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing more to release
            }
        }
    }
}
