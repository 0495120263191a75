package io.turnstile.tools.load;

import io.turnstile.codec.HelloVerifyRequestDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LegitClientsTest
{
    private static final int ATTEMPTS = 200;

    @Test
    void shouldCompleteEveryCookieExchangeAgainstARealVerifier() throws Exception
    {
        try (VerifierResponder server = new VerifierResponder(VerifierResponder.Mode.HVR))
        {
            final LegitClientsReport report = new LegitClients(context(server.address())
                .bindAddress(InetAddress.getByName("127.0.0.2"))).run();

            assertEquals(LegitClientsReport.HVR_AND_COOKIE_HELLO_SENT, report.successCriterion());
            assertEquals(ATTEMPTS, report.attempts());
            assertEquals(ATTEMPTS, report.succeeded());
            assertEquals(0, report.failed());
            assertEquals(1.0, report.successRatio());
            assertEquals(ATTEMPTS, report.hvrLatencyUs().getTotalCount());
            assertEquals(0, report.serverHelloLatencyUs().getTotalCount());
            awaitCount(server::verified, ATTEMPTS);
            assertEquals(ATTEMPTS, server.verified(), "the server verified every cookie hello the clients sent");
            assertEquals(Set.of(InetAddress.getByName("127.0.0.2")), server.sources());
            assertNull(server.failure());

            final String json = report.toJson();
            assertTrue(json.contains("\"succeeded\":" + ATTEMPTS), json);
            assertTrue(json.contains("\"hvr_latency_us\":{\"count\":" + ATTEMPTS), json);
        }
    }

    @Test
    void shouldWaitForTheServerHelloWhenTheServerHasAHandshake() throws Exception
    {
        try (VerifierResponder server = new VerifierResponder(VerifierResponder.Mode.SERVER_HELLO))
        {
            final LegitClientsReport report = new LegitClients(context(server.address()).handshake(true)).run();

            assertEquals(LegitClientsReport.SERVER_HELLO_RECEIVED, report.successCriterion());
            assertEquals(ATTEMPTS, report.succeeded());
            assertEquals(ATTEMPTS, report.hvrLatencyUs().getTotalCount());
            assertEquals(ATTEMPTS, report.serverHelloLatencyUs().getTotalCount());
            awaitCount(server::alerts, ATTEMPTS);
            assertEquals(ATTEMPTS, server.alerts(), "every abandoned handshake was cancelled with an alert");
        }
    }

    @Test
    void shouldFailByTimeoutWhenTheServerNeverAnswers() throws Exception
    {
        try (DatagramChannel silent = DatagramChannel.open())
        {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final LegitClientsReport report = new LegitClients(new LegitClients.Context()
                .target((InetSocketAddress)silent.getLocalAddress())
                .maxAttempts(3)
                .rate(0)
                .retransmitTimeoutMs(20)
                .maxRetransmits(2)).run();

            assertEquals(3, report.attempts());
            assertEquals(0, report.succeeded());
            assertEquals(3, report.failures(AttemptFailure.HVR_TIMEOUT));
            assertEquals(3 * 2, report.retransmits());
            assertEquals(0, report.hvrLatencyUs().getTotalCount());
        }
    }

    @Test
    void shouldFailByTimeoutWaitingForAServerHelloThatNeverComes() throws Exception
    {
        try (VerifierResponder server = new VerifierResponder(VerifierResponder.Mode.HVR))
        {
            final LegitClientsReport report = new LegitClients(context(server.address())
                .handshake(true).maxAttempts(2).retransmitTimeoutMs(200).maxRetransmits(1)).run();

            assertEquals(2, report.failures(AttemptFailure.SERVER_HELLO_TIMEOUT));
            assertEquals(2, report.hvrLatencyUs().getTotalCount());
            awaitCount(server::verified, 4);
            assertEquals(4, server.verified(), "each cookie hello was sent and retransmitted once");
        }
    }

    @Test
    void shouldFailAnAttemptWhoseHvrIsMalformed() throws Exception
    {
        try (VerifierResponder server = new VerifierResponder(VerifierResponder.Mode.CORRUPT_HVR))
        {
            final LegitClientsReport report = new LegitClients(context(server.address()).maxAttempts(5)).run();

            assertEquals(5, report.failures(AttemptFailure.MALFORMED_HVR));
            assertEquals(5, report.malformedReplies(HelloVerifyRequestDecoder.Failure.COOKIE_LENGTH_MISMATCH));
            assertEquals(0, report.succeeded());
            assertEquals(0, server.verified());
        }
    }

    @Test
    void shouldCountPortUnreachableWhenNothingListens() throws Exception
    {
        final InetSocketAddress closed;
        try (DatagramChannel probe = DatagramChannel.open())
        {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closed = (InetSocketAddress)probe.getLocalAddress();
        }
        final LegitClientsReport report = new LegitClients(new LegitClients.Context()
            .target(closed).maxAttempts(3).rate(0).retransmitTimeoutMs(2000).maxRetransmits(0)).run();

        assertEquals(3, report.failures(AttemptFailure.PORT_UNREACHABLE));
    }

    @Test
    void shouldRefuseBadConfigurationByName()
    {
        final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), 4433);
        final IllegalArgumentException concurrency = assertThrows(IllegalArgumentException.class,
            () -> new LegitClients.Context().target(target).concurrency(0).conclude());
        assertTrue(concurrency.getMessage().contains("concurrency"), concurrency.getMessage());
        final IllegalArgumentException noTarget = assertThrows(IllegalArgumentException.class,
            () -> new LegitClients.Context().conclude());
        assertTrue(noTarget.getMessage().contains("target"), noTarget.getMessage());
        final IllegalArgumentException template = assertThrows(IllegalArgumentException.class,
            () -> new LegitClients(new LegitClients.Context().target(target).template("no-such-capture.bin")));
        assertTrue(template.getMessage().contains("no-such-capture.bin"), template.getMessage());
    }

    private static LegitClients.Context context(final InetSocketAddress target)
    {
        return new LegitClients.Context()
            .target(target)
            .maxAttempts(ATTEMPTS)
            .durationMs(30_000)
            .rate(0)
            .concurrency(8)
            .retransmitTimeoutMs(1000)
            .maxRetransmits(3);
    }

    private static void awaitCount(final LongSupplier count, final long expected) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count.getAsLong() < expected && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(5);
        }
    }
}
