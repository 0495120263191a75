package io.turnstile.server.handshake;

import org.bouncycastle.tls.AlertLevel;

/**
 * The fatal alert one handshake sent or received, as the BouncyCastle server's {@code notifyAlertRaised} and
 * {@code notifyAlertReceived} hooks saw it. The exception BouncyCastle throws does not always carry it: after a plain
 * {@code IOException} it still sends {@code internal_error}, and only the hook says so.
 * <p>
 * Written and read by the session's own thread (BouncyCastle calls the hooks on the thread running the handshake).
 */
public final class FatalAlertRecord
{
    /** No fatal alert yet. */
    public static final short NONE = -1;

    private short description = NONE;
    private boolean received;

    /**
     * A record with no alert.
     */
    public FatalAlertRecord()
    {
    }

    /**
     * The server raised an alert ({@code notifyAlertRaised}); the first fatal one is kept.
     *
     * @param level       {@link AlertLevel}.
     * @param description the alert description.
     */
    public void onRaised(final short level, final short description)
    {
        if (AlertLevel.fatal == level && NONE == this.description)
        {
            this.description = description;
            this.received = false;
        }
    }

    /**
     * The peer sent an alert ({@code notifyAlertReceived}); the first fatal one is kept.
     *
     * @param level       {@link AlertLevel}.
     * @param description the alert description.
     */
    public void onReceived(final short level, final short description)
    {
        if (AlertLevel.fatal == level && NONE == this.description)
        {
            this.description = description;
            this.received = true;
        }
    }

    /**
     * The first fatal alert's description.
     *
     * @return 0 to 255, or {@link #NONE}.
     */
    public short description()
    {
        return description;
    }

    /**
     * Whether the first fatal alert came from the peer.
     *
     * @return true when received, false when sent (or none).
     */
    public boolean isReceived()
    {
        return received;
    }
}
