package io.turnstile.nativeio;

/**
 * The {@link BatchSocket} contract over NIO, which runs everywhere.
 */
class NioBatchSocketTest extends BatchSocketContract
{
    @Override
    BatchSocket open(final BatchSocket.Context context)
    {
        return new NioBatchSocket(context);
    }
}
