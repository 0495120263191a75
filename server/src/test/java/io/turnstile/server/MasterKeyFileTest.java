package io.turnstile.server;

import io.turnstile.cookie.FleetMasters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MasterKeyFileTest
{
    static final String A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static final String B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    @TempDir
    Path tempDir;

    @Test
    void shouldReadOneHexMasterOrRawBytes() throws IOException
    {
        final FleetMasters hex = MasterKeyFile.read(privateFile("hex", A + "\n"));
        assertArrayEquals(HexFormat.of().parseHex(A), hex.current());
        assertEquals(1, hex.all().size());

        final byte[] raw = new byte[24];
        raw[3] = 7;
        final Path rawFile = privateFile("raw", "");
        Files.write(rawFile, raw);
        assertArrayEquals(raw, MasterKeyFile.read(rawFile).current());
    }

    @Test
    void shouldReadAStagedSet() throws IOException
    {
        final String next = withAnotherTag(A, B);
        final FleetMasters masters = MasterKeyFile.read(privateFile("staged",
            "# rolling b in\nprevious " + A + "\n  current   " + B + "\nnext " + next + "\n"));

        assertArrayEquals(HexFormat.of().parseHex(B), masters.current());
        assertEquals(3, masters.all().size());
        assertTrue(masters.accepts(HexFormat.of().parseHex(A)));
        assertTrue(masters.accepts(HexFormat.of().parseHex(next)));
    }

    @Test
    void shouldRefuseAFileGroupOrOthersMayRead() throws IOException
    {
        final Path file = privateFile("open", A);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

        final UsageException ex = assertThrows(UsageException.class, () -> MasterKeyFile.read(file));
        assertTrue(ex.getMessage().contains("readable by group or others"), ex.getMessage());
        assertTrue(ex.getMessage().contains("chmod 600 " + file), ex.getMessage());
    }

    @Test
    void shouldNameTheLineOfAMalformedStagedFile() throws IOException
    {
        assertMessage("current " + A + "\ncurrent " + B + "\n", "line 2: 'current' given twice");
        assertMessage("previous " + A + "\n", "needs a 'current' line");
        assertMessage("current " + A + "\nlater " + B + "\n", "line 2: unknown name 'later'");
        assertMessage("current " + A + " extra\n", "line 1: expected 'previous|current|next HEX'");
        assertMessage("current 0g\n", "line 1: not an even number of hex digits");
        assertMessage("current 00112233\n", "current fleet master key must be at least 16 bytes, got 4");
    }

    private void assertMessage(final String content, final String expected) throws IOException
    {
        final Path file = privateFile("bad", content);
        final UsageException ex = assertThrows(UsageException.class, () -> MasterKeyFile.read(file));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
        assertTrue(ex.getMessage().contains("--master-key-file " + file), ex.getMessage());
    }

    private Path privateFile(final String name, final String content) throws IOException
    {
        final Path file = Files.createTempFile(tempDir, name, ".key");
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /**
     * A hex master whose key id tag differs from two others'.
     */
    static String withAnotherTag(final String first, final String second)
    {
        final int a = FleetMasters.tag(HexFormat.of().parseHex(first));
        final int b = FleetMasters.tag(HexFormat.of().parseHex(second));
        for (int i = 0; ; i++)
        {
            final String candidate = String.format("%064x", 0x5eed_0000L + i);
            final int tag = FleetMasters.tag(HexFormat.of().parseHex(candidate));
            if (tag != a && tag != b)
            {
                return candidate;
            }
        }
    }
}
