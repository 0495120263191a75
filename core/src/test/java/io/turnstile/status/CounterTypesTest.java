package io.turnstile.status;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CounterTypesTest
{
    @Test
    void shouldNameTheKindOfEveryRange()
    {
        assertEquals("errors", CounterTypes.kind(CounterTypes.ERRORS));
        assertEquals("worker", CounterTypes.kind(4001));
        assertEquals("verifier", CounterTypes.kind(CounterTypes.VERIFIER_FIRST + 4));
        assertEquals("drop_reason", CounterTypes.kind(CounterTypes.DROP_REASON_FIRST));
        assertEquals("cookie_check", CounterTypes.kind(CounterTypes.COOKIE_CHECK_FIRST + 6));
        assertEquals("session", CounterTypes.kind(CounterTypes.RECORDS_ECHOED));
        assertEquals("xdp", CounterTypes.kind(CounterTypes.XDP_FIRST));
        assertEquals("demux", CounterTypes.kind(CounterTypes.DEMUX_FIRST));
        assertEquals("demux", CounterTypes.kind(CounterTypes.DEMUX_FIRST + 11));
        assertEquals("alert", CounterTypes.kind(CounterTypes.ALERT_FIRST + 40));
        assertEquals("other", CounterTypes.kind(1));
        assertEquals("other", CounterTypes.kind(4600));
    }

    @Test
    void shouldKeepTheWorkerIdInTheKey()
    {
        final CountersManager countersManager =
            new CountersManager(new UnsafeBuffer(ByteBuffer.allocateDirect(4 * 512)), new UnsafeBuffer(ByteBuffer.allocateDirect(4 * 128)));
        final AtomicCounter worker = CounterTypes.newCounter(countersManager, 4001, "datagrams received", 7);
        final AtomicCounter server = CounterTypes.newCounter(countersManager, CounterTypes.ERRORS, "worker errors",
            CounterTypes.SERVER_WIDE);

        assertEquals("datagrams received: worker=7", countersManager.getCounterLabel(worker.id()));
        assertEquals("worker errors", countersManager.getCounterLabel(server.id()));
        final int[] workers = new int[2];
        countersManager.forEach((counterId, typeId, keyBuffer, label) ->
            workers[counterId] = CounterTypes.workerId(keyBuffer));
        assertEquals(7, workers[0]);
        assertEquals(CounterTypes.SERVER_WIDE, workers[1]);
    }
}
