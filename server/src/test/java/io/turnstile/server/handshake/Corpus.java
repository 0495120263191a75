package io.turnstile.server.handshake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real ClientHello captures from the corpus core vendors ({@code core/src/test/resources/corpus}).
 */
final class Corpus
{
    private static final Path DIRECTORY = Path.of("..", "core", "src", "test", "resources", "corpus");

    private Corpus()
    {
    }

    static byte[] load(final String name)
    {
        try
        {
            return Files.readAllBytes(DIRECTORY.resolve(name));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("corpus capture " + name + " (run from the server module)", ex);
        }
    }
}
