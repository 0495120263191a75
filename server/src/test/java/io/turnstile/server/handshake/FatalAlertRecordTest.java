package io.turnstile.server.handshake;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FatalAlertRecordTest
{
    @Test
    void shouldStartWithNoAlert()
    {
        assertEquals(FatalAlertRecord.NONE, new FatalAlertRecord().description());
    }

    @Test
    void shouldKeepTheFirstFatalAlertOnly()
    {
        final FatalAlertRecord record = new FatalAlertRecord();
        record.onReceived(AlertLevel.warning, AlertDescription.close_notify);
        assertEquals(FatalAlertRecord.NONE, record.description(), "a warning is not a failure");
        record.onReceived(AlertLevel.fatal, AlertDescription.decrypt_error);
        record.onRaised(AlertLevel.fatal, AlertDescription.internal_error);
        assertEquals(AlertDescription.decrypt_error, record.description());
        assertTrue(record.isReceived());
    }

    @Test
    void shouldRecordARaisedAlertAsSent()
    {
        final FatalAlertRecord record = new FatalAlertRecord();
        record.onRaised(AlertLevel.fatal, AlertDescription.handshake_failure);
        assertEquals(AlertDescription.handshake_failure, record.description());
        assertFalse(record.isReceived());
    }
}
