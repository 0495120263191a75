package io.turnstile.server.handshake;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The session table's counters, in one place: admissions by outcome, ends by reason, completed handshakes, the live
 * gauges, each written by the conductor thread alone ({@code lazySet}); completed handshakes and echoed records, added
 * by every session thread as it happens (so a client that has its echo back finds its handshake counted).
 * Read from any thread through the {@link SessionTable}'s getters. Plain single-writer values, so they can move into
 * Agrona {@code AtomicCounter}s of the server's {@code CountersManager} one for one.
 */
public final class SessionCounters
{
    private final AtomicLongArray admissions = new AtomicLongArray(SessionTable.Admission.values().length);
    private final AtomicLongArray ends = new AtomicLongArray(PeerSession.End.values().length);
    private final AtomicLong established = new AtomicLong();
    private final AtomicLong echoed = new AtomicLong();
    private final AtomicLong liveSessions = new AtomicLong();
    private final AtomicLong handshakes = new AtomicLong();
    private final AtomicLong liveAddresses = new AtomicLong();

    void onAdmission(final SessionTable.Admission admission)
    {
        admissions.lazySet(admission.ordinal(), admissions.get(admission.ordinal()) + 1);
    }

    void onEnded(final PeerSession.End end)
    {
        ends.lazySet(end.ordinal(), ends.get(end.ordinal()) + 1);
    }

    void onEstablished()
    {
        established.getAndIncrement();
    }

    void onEchoed()
    {
        echoed.getAndIncrement();
    }

    void gauges(final int liveSessions, final int handshakes, final int liveAddresses)
    {
        this.liveSessions.lazySet(liveSessions);
        this.handshakes.lazySet(handshakes);
        this.liveAddresses.lazySet(liveAddresses);
    }

    long admissions(final SessionTable.Admission admission)
    {
        return admissions.get(admission.ordinal());
    }

    long ended(final PeerSession.End end)
    {
        return ends.get(end.ordinal());
    }

    long established()
    {
        return established.get();
    }

    long echoed()
    {
        return echoed.get();
    }

    int liveSessions()
    {
        return (int)liveSessions.get();
    }

    int handshakes()
    {
        return (int)handshakes.get();
    }

    int liveAddresses()
    {
        return (int)liveAddresses.get();
    }
}
