package io.turnstile.nativeio;

import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountersFileTest
{
    @TempDir
    Path parent;

    @Test
    void shouldLetAReaderMapTheOwnersCountersReadOnly()
    {
        final Path dir = parent.resolve("turnstile-a");
        try (CountersFile owner = CountersFile.create(dir, 8))
        {
            final AtomicCounter counter =
                CounterTypes.newCounter(owner.countersManager(), 4001, "datagrams received", 2);
            counter.getAndAddRelease(42);

            try (CountersFile reader = CountersFile.mapReadOnly(dir))
            {
                final CountersReader counters = reader.countersReader();
                assertEquals("datagrams received: worker=2", counters.getCounterLabel(counter.id()));
                assertEquals(4001, counters.getCounterTypeId(counter.id()));
                assertEquals(42, counters.getCounterValue(counter.id()));
                counter.increment();
                assertEquals(43, counters.getCounterValue(counter.id()), "the reader sees the owner's memory");
                assertEquals(ProcessHandle.current().pid(), reader.pid());
                assertTrue(reader.isOwnerAlive());
                assertTrue(reader.startTimestampMs() > 0);
                assertThrows(IllegalStateException.class, reader::countersManager, "read-only");
            }
        }
        assertFalse(Files.exists(dir), "the owner deletes its directory on close");
    }

    @Test
    void shouldRefuseADirectoryARunningServerOwns()
    {
        final Path dir = parent.resolve("turnstile-b");
        try (CountersFile owner = CountersFile.create(dir, 4))
        {
            assertEquals(dir, owner.directory());
            final IllegalStateException ex =
                assertThrows(IllegalStateException.class, () -> CountersFile.create(dir, 4));
            assertTrue(ex.getMessage().contains("in use"), ex.getMessage());
            assertTrue(ex.getMessage().contains(Long.toString(ProcessHandle.current().pid())), ex.getMessage());
        }
    }

    @Test
    void shouldReplaceTheFileOfADeadOwnerAndListOnlyRunningServers() throws Exception
    {
        final Path stale = parent.resolve("turnstile-dead");
        writeHeader(stale, deadPid(), CountersFile.VERSION);
        try (CountersFile reader = CountersFile.mapReadOnly(stale))
        {
            assertFalse(reader.isOwnerAlive());
        }
        final Path running = parent.resolve("turnstile-live");
        try (CountersFile live = CountersFile.create(running, 4))
        {
            assertTrue(live.isOwnerAlive());
            assertEquals(List.of(running), CountersFile.findRunning(parent));
            try (CountersFile replaced = CountersFile.create(stale, 4))
            {
                assertEquals(ProcessHandle.current().pid(), replaced.pid(), "a dead owner's directory is taken over");
                assertEquals(List.of(running, stale).stream().sorted().toList(), CountersFile.findRunning(parent));
            }
        }
        assertEquals(List.of(), CountersFile.findRunning(parent));
    }

    @Test
    void shouldRefuseToReadAFileThatIsNotReady() throws Exception
    {
        final Path dir = parent.resolve("turnstile-new");
        writeHeader(dir, ProcessHandle.current().pid(), 0);
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> CountersFile.mapReadOnly(dir));
        assertTrue(ex.getMessage().contains("not ready"), ex.getMessage());
        assertEquals(List.of(), CountersFile.findRunning(parent));
    }

    @Test
    void shouldDefaultToOneDirectoryPerProcess()
    {
        final Path dir = CountersFile.defaultDirectory();
        assertEquals("turnstile-" + ProcessHandle.current().pid(), dir.getFileName().toString());
        assertEquals(CountersFile.defaultParent(), dir.getParent());
    }

    private static long deadPid() throws Exception
    {
        final Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private static void writeHeader(final Path dir, final long pid, final int version) throws IOException
    {
        Files.createDirectories(dir);
        final ByteBuffer header = ByteBuffer.allocate(CountersFile.HEADER_LENGTH + 4 * 640)
            .order(ByteOrder.nativeOrder());
        header.putInt(CountersFile.VERSION_OFFSET, version);
        header.putInt(CountersFile.METADATA_LENGTH_OFFSET, 4 * CountersReader.METADATA_LENGTH);
        header.putInt(CountersFile.VALUES_LENGTH_OFFSET, 4 * CountersReader.COUNTER_LENGTH);
        header.putLong(CountersFile.PID_OFFSET, pid);
        header.putLong(CountersFile.START_TIMESTAMP_OFFSET, 1);
        header.putLong(CountersFile.PROCESS_START_OFFSET, -1);
        try (FileChannel channel = FileChannel.open(dir.resolve(CountersFile.FILE_NAME), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE))
        {
            channel.write(header);
        }
    }
}
