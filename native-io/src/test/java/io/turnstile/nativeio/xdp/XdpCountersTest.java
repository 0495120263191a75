package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class XdpCountersTest
{
    @Test
    @Timeout(10)
    void shouldSumTheVerdictsTheProgramCounted()
    {
        assumeTrue(BpfTest.privileged());

        try (XdpFilter filter = XdpFilter.open(new XdpFilter.Context().port(4433).helloRateLimit(1, 1)))
        {
            final int program = filter.program().fd();
            final XdpCounters counters = filter.counters();
            final byte[] hello = XdpDtlsProgramTest.ipv4(Datagrams.clientHello(0, 0));
            Bpf.progTestRun(program, XdpDtlsProgramTest.ipv4(Datagrams.filled(2, 1)));
            Bpf.progTestRun(program, hello);
            Bpf.progTestRun(program, hello);
            Bpf.progTestRun(program, XdpDtlsProgramTest.ipv4(Datagrams.record(23, 1, 1)));
            Bpf.progTestRun(program, new byte[60]);

            final long[] values = new long[XdpCounter.COUNT];
            counters.snapshot(values);
            assertEquals(1, values[XdpCounter.DROPPED_NOT_DTLS.id()]);
            assertEquals(1, values[XdpCounter.DROPPED_RATE_LIMITED.id()]);
            assertEquals(1, values[XdpCounter.PASSED_HELLO_NO_SOCKET.id()]);
            assertEquals(1, values[XdpCounter.PASSED_DTLS.id()]);
            assertEquals(1, values[XdpCounter.PASSED_OTHER.id()]);
            assertEquals(0, values[XdpCounter.REDIRECTED_HELLO.id()]);
            assertEquals(2, counters.droppedInKernel());
            assertEquals(3, counters.passed());
            assertTrue(counters.toString().contains("dropped_not_dtls=1 "), counters.toString());
            assertThrows(IllegalArgumentException.class, () -> counters.snapshot(new long[2]));
        }
    }

    @Test
    void shouldGiveEveryCounterAnIdBelowTheCount()
    {
        for (final XdpCounter counter : XdpCounter.values())
        {
            assertEquals(counter.ordinal(), counter.id());
        }
        assertEquals(XdpCounter.values().length, XdpCounter.COUNT);
    }
}
