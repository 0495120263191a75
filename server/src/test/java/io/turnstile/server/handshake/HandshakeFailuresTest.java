package io.turnstile.server.handshake;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeFailuresTest
{
    private static final PeerKey PEER = PeerKey.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5684));

    private final List<String> lines = new ArrayList<>();
    private final HandshakeFailures failures = new HandshakeFailures(lines::add);

    @Test
    void shouldCountAnAlertTheServerSentByItsRfcName()
    {
        failures.onException(PEER, new TlsFatalAlert(AlertDescription.handshake_failure, "No selectable cipher suite"),
            new FatalAlertRecord());
        assertEquals(1, failures.alert(AlertDescription.handshake_failure));
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).contains("handshake with 127.0.0.1:5684 failed: handshake_failure sent: " +
            "TlsFatalAlert: handshake_failure(40); No selectable cipher suite"), lines.get(0));
    }

    @Test
    void shouldCountAnAlertThePeerSent()
    {
        failures.onException(PEER, new TlsFatalAlertReceived(AlertDescription.decrypt_error), new FatalAlertRecord());
        assertEquals(1, failures.alert(AlertDescription.decrypt_error));
        assertTrue(lines.get(0).contains("decrypt_error received"), lines.get(0));
    }

    @Test
    void shouldTakeTheAlertFromTheHooksWhenTheExceptionCarriesNone()
    {
        // BouncyCastle answers a plain IOException with internal_error: only its notifyAlertRaised hook says so.
        final FatalAlertRecord record = new FatalAlertRecord();
        record.onRaised(AlertLevel.fatal, AlertDescription.internal_error);
        failures.onException(PEER, new IOException("transport closed"), record);
        assertEquals(1, failures.alert(AlertDescription.internal_error));
        assertEquals(0, failures.other());
        assertTrue(lines.get(0).contains("internal_error sent: IOException: transport closed"), lines.get(0));
    }

    @Test
    void shouldCountFailureWithoutAlertAsOther()
    {
        failures.onException(PEER, new IOException("no alert"), new FatalAlertRecord());
        failures.onOther(PEER, "hello refused");
        assertEquals(2, failures.other());
        assertEquals(2, failures.total());
    }

    @Test
    void shouldLogEachDistinctCauseOnceButCountEvery()
    {
        for (int i = 0; i < 10; i++)
        {
            failures.onException(PEER, new TlsFatalAlert(AlertDescription.handshake_failure), new FatalAlertRecord());
            failures.onTimeout(PEER, "the handshake did not complete within 1000 ms");
        }
        assertEquals(10, failures.alert(AlertDescription.handshake_failure));
        assertEquals(10, failures.timeouts());
        assertEquals(2, lines.size(), lines.toString());
    }

    @Test
    void shouldIncludeTheCauseChainInTheMessage()
    {
        final TlsFatalAlert alert = new TlsFatalAlert(AlertDescription.internal_error,
            new IllegalArgumentException("NamedGroup not supported: sect571r1(14)"));
        failures.onException(PEER, alert, new FatalAlertRecord());
        assertTrue(lines.get(0).contains("<- IllegalArgumentException: NamedGroup not supported: sect571r1(14)"),
            lines.get(0));
    }

    @Test
    void shouldWriteNonZeroAlertsThenTimeoutAndOtherAsJson()
    {
        final StringBuilder empty = new StringBuilder();
        failures.appendJson(empty);
        assertEquals("{\"timeout\":0,\"other\":0}", empty.toString());

        failures.onException(PEER, new TlsFatalAlert(AlertDescription.handshake_failure), new FatalAlertRecord());
        failures.onException(PEER, new TlsFatalAlertReceived(AlertDescription.bad_record_mac), new FatalAlertRecord());
        failures.onTimeout(PEER, "hello tail");
        final StringBuilder sb = new StringBuilder();
        failures.appendJson(sb);
        assertEquals("{\"handshake_failure\":1,\"bad_record_mac\":1,\"timeout\":1,\"other\":0}".length(),
            sb.length(), sb.toString());
        assertTrue(sb.toString().contains("\"handshake_failure\":1"), sb.toString());
        assertTrue(sb.toString().contains("\"bad_record_mac\":1"), sb.toString());
        assertTrue(sb.toString().endsWith("\"timeout\":1,\"other\":0}"), sb.toString());
        assertEquals("bad_record_mac=1 handshake_failure=1 timeout=1", failures.summary());
    }

    @Test
    void shouldSayNoneWhenNothingFailed()
    {
        assertEquals("none", failures.summary());
    }

    @Test
    void shouldNameUnassignedAlertsByNumber()
    {
        assertEquals("handshake_failure", HandshakeFailures.alertName(AlertDescription.handshake_failure));
        assertEquals("alert_255", HandshakeFailures.alertName(255));
        failures.onException(PEER, new TlsFatalAlertReceived((short)255), new FatalAlertRecord());
        assertEquals(1, failures.alert(255));
    }
}
