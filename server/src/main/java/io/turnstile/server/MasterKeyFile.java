package io.turnstile.server;

import io.turnstile.cookie.FleetMasters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code --master-key-file}: one master key (raw bytes, or hex text, as {@code --secret-file}), or a staged
 * set for rolling a new master through a fleet, one {@code NAME HEX} line each, {@code #} starting a comment:
 * <pre>
 *   # issue under current; accept previous and next as well
 *   previous 6f1c...   (optional: the master being retired)
 *   current  93ab...   (required)
 *   next     d0e4...   (optional: the master about to be promoted)
 * </pre>
 * A file that group or others may read is refused: whoever reads the master can mint cookies for the whole fleet.
 */
final class MasterKeyFile
{
    private static final String OPTION = "--master-key-file";

    private MasterKeyFile()
    {
    }

    /**
     * Read and check the file.
     *
     * @param file the key file.
     * @return the masters it names.
     * @throws UsageException naming the file and what is wrong with it: unreadable, readable by group or others,
     *                        malformed, a key too short, two masters with the same key id tag.
     */
    static FleetMasters read(final Path file)
    {
        checkPermissions(file);
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            throw new UsageException(OPTION + ": cannot read " + file + ": " + ex, ex);
        }
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        try
        {
            if (!isStaged(text))
            {
                return FleetMasters.single(ServeAssembly.readKey(OPTION, file));
            }
            byte[] previous = null;
            byte[] current = null;
            byte[] next = null;
            int lineNumber = 0;
            for (final String rawLine : text.split("\n", -1))
            {
                lineNumber++;
                final String line = rawLine.strip();
                if (line.isEmpty() || line.startsWith("#"))
                {
                    continue;
                }
                final String[] words = line.split("\\s+");
                if (words.length != 2)
                {
                    throw new UsageException(OPTION + " " + file + " line " + lineNumber +
                        ": expected 'previous|current|next HEX', got " + words.length + " words");
                }
                final byte[] key = hex(file, lineNumber, words[1]);
                switch (words[0].toLowerCase(Locale.ROOT))
                {
                    case "previous" -> previous = once(file, lineNumber, "previous", previous, key);
                    case "current" -> current = once(file, lineNumber, "current", current, key);
                    case "next" -> next = once(file, lineNumber, "next", next, key);
                    default -> throw new UsageException(OPTION + " " + file + " line " + lineNumber +
                        ": unknown name '" + words[0] + "'; expected previous, current or next");
                }
            }
            if (null == current)
            {
                throw new UsageException(OPTION + " " + file + ": a staged key file needs a 'current' line");
            }
            return FleetMasters.of(previous, current, next);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(OPTION + " " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static void checkPermissions(final Path file)
    {
        final Set<PosixFilePermission> permissions;
        try
        {
            permissions = Files.getPosixFilePermissions(file);
        }
        catch (final UnsupportedOperationException ex)
        {
            return;     // not a POSIX file system: nothing to check
        }
        catch (final IOException ex)
        {
            throw new UsageException(OPTION + ": cannot read " + file + ": " + ex, ex);
        }
        if (permissions.contains(PosixFilePermission.GROUP_READ) ||
            permissions.contains(PosixFilePermission.OTHERS_READ))
        {
            throw new UsageException(OPTION + " " + file + " is readable by group or others (" +
                PosixFilePermissions.toString(permissions) + "): whoever reads a master key can mint cookies for " +
                "the whole fleet; chmod 600 " + file);
        }
    }

    private static boolean isStaged(final String text)
    {
        for (final String line : text.split("\n", -1))
        {
            final String word = line.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (word.equals("current") || word.equals("previous") || word.equals("next"))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] hex(final Path file, final int lineNumber, final String value)
    {
        try
        {
            return HexFormat.of().parseHex(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(OPTION + " " + file + " line " + lineNumber + ": not an even number of hex " +
                "digits", ex);
        }
    }

    private static byte[] once(
        final Path file, final int lineNumber, final String name, final byte[] existing, final byte[] key)
    {
        if (null != existing)
        {
            throw new UsageException(OPTION + " " + file + " line " + lineNumber + ": '" + name + "' given twice");
        }
        return key;
    }
}
