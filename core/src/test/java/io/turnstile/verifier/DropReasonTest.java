package io.turnstile.verifier;

import io.turnstile.codec.ClientHelloFault;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The verifier counts every decoder fault under the drop reason of the same name, and the reasons' ordinals (which
 * the counters' type ids follow) are the order they were added in.
 */
class DropReasonTest
{
    @Test
    void shouldMapEveryDecoderFaultToTheReasonOfTheSameName()
    {
        for (final ClientHelloFault fault : ClientHelloFault.values())
        {
            assertEquals(fault.name(), DropReason.of(fault).name());
        }
    }

    @Test
    void shouldKeepTheOrdinalsCountersAreNumberedBy()
    {
        assertSame(DropReason.RECORD_TOO_SHORT, DropReason.get(0));
        assertSame(DropReason.REPLY_BUFFER_TOO_SMALL, DropReason.get(13));
        assertSame(DropReason.HELLO_TOO_LONG, DropReason.get(14));
        assertSame(DropReason.TRAILING_BYTES, DropReason.get(15));
        assertEquals(16, DropReason.count());
    }
}
