package io.turnstile.nativeio;

import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@link BatchSocket} contract over recvmmsg/sendmmsg, plus what only the native socket does.
 */
class MmsgBatchSocketTest extends BatchSocketContract
{
    @BeforeEach
    void requireNative()
    {
        assumeTrue(LibC.isAvailable(), "recvmmsg/sendmmsg bindings need x86_64 Linux");
    }

    @Override
    BatchSocket open(final BatchSocket.Context context)
    {
        return new MmsgBatchSocket(context);
    }
}
