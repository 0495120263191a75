package io.turnstile.server.handshake;

/**
 * What a {@link PeerSession} tells whoever owns it, from the session's own thread. The one owner is the
 * {@link SessionConductor}, which queues the events and applies them on its thread; a session knows nothing of the
 * table that holds it.
 * <p>
 * <b>Note:</b> called from session threads, concurrently: implementations must be thread safe and must not block.
 */
public interface SessionEvents
{
    /**
     * The handshake completed: the session no longer counts against the handshake cap.
     *
     * @param session the session.
     */
    void onEstablished(PeerSession session);

    /**
     * One application-data record was echoed.
     *
     * @param session the session.
     */
    void onEchoed(PeerSession session);

    /**
     * The session ended ({@link PeerSession#end()} says how): remove it, count it, release its peer.
     *
     * @param session the session, whose thread is about to finish.
     */
    void onEnded(PeerSession session);
}
