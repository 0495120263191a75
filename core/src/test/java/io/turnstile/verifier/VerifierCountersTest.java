package io.turnstile.verifier;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerifierCountersTest
{
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(VerifierCounters.LENGTH * 512)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(VerifierCounters.LENGTH * 128)));

    @Test
    void shouldCountStandaloneWithoutPublishing()
    {
        final VerifierCounters counters = new VerifierCounters();
        counters.onDrop(DropReason.RECORD_TOO_SHORT);
        counters.onReply(null, 60);
        counters.publish();

        assertFalse(counters.isPublished());
        assertEquals(2, counters.datagrams());
        assertEquals(1, counters.dropped(DropReason.RECORD_TOO_SHORT));
        assertEquals(60, counters.replyBytes());
    }

    @Test
    void shouldAddToSharedCountersOnlyOnPublish()
    {
        final VerifierCounters counters = new VerifierCounters(countersManager, 3);
        counters.onVerified(CookieCheck.VALID);
        counters.onDrop(DropReason.NOT_HANDSHAKE);

        assertTrue(counters.isPublished());
        assertEquals(0, value(VerifierCounters.Total.DATAGRAMS.typeId()), "nothing shared before publish");
        assertEquals(2, counters.datagrams(), "the verifier's own view counts the batch already");

        counters.publish();
        assertEquals(2, value(VerifierCounters.Total.DATAGRAMS.typeId()));
        assertEquals(1, value(CounterTypes.DROP_REASON_FIRST + DropReason.NOT_HANDSHAKE.ordinal()));
        assertEquals(1, value(CounterTypes.COOKIE_CHECK_FIRST + CookieCheck.VALID.ordinal()));

        counters.publish();
        assertEquals(2, value(VerifierCounters.Total.DATAGRAMS.typeId()), "a second publish adds nothing");
        assertEquals(2, counters.datagrams());
        assertEquals(1, counters.verified());
    }

    @Test
    void shouldLabelAndKeyEveryCounterWithItsWorker()
    {
        new VerifierCounters(countersManager, 3);
        final int[] seen = new int[1];
        countersManager.forEach((counterId, typeId, keyBuffer, label) ->
        {
            seen[0]++;
            assertEquals(3, CounterTypes.workerId(keyBuffer), label);
            assertTrue(label.endsWith(": worker=3"), label);
        });
        assertEquals(VerifierCounters.LENGTH, seen[0]);
        assertEquals("dropped record_too_short: worker=3",
            countersManager.getCounterLabel(VerifierCounters.Total.values().length));
    }

    private long value(final int typeId)
    {
        final long[] value = { -1 };
        countersManager.forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId)
            {
                value[0] = countersManager.getCounterValue(counterId);
            }
        });
        return value[0];
    }
}
