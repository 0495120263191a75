package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket idle strategy: spins its empty cycles, yields after a busy cycle, then waits on the socket with its
 * timeout, and starts over after work.
 */
class SocketIdleStrategyTest
{
    private final List<Integer> waits = new ArrayList<>();

    @Test
    void shouldSpinItsEmptyCyclesThenWaitOnTheSocketWithItsTimeout()
    {
        final SocketIdleStrategy idle = new SocketIdleStrategy(3, 0, 1, 5, waits::add);

        for (int i = 0; i < 3; i++)
        {
            idle.idle(0);
        }
        assertTrue(waits.isEmpty(), "three spins first");
        idle.idle(0);
        idle.idle(0);
        assertEquals(List.of(5, 5), waits, "then every empty cycle waits on the socket");
    }

    @Test
    void shouldSpinAgainAfterWork()
    {
        final SocketIdleStrategy idle = new SocketIdleStrategy(2, 0, 1, 1, waits::add);
        idle.idle(0);
        idle.idle(0);
        idle.idle(0);
        assertEquals(1, waits.size());

        idle.idle(7);
        idle.idle(0);
        idle.idle(0);
        assertEquals(1, waits.size(), "work resets the spins");
        idle.reset();
        idle.idle();
        idle.idle();
        idle.idle();
        assertEquals(2, waits.size(), "so does reset");
    }

    @Test
    void shouldYieldBeforeWaitingOnlyAfterABusyDutyCycle()
    {
        final SocketIdleStrategy idle = new SocketIdleStrategy(1, 2, 10, 1, waits::add);

        idle.idle(9);
        idle.idle(0);
        idle.idle(0);
        assertEquals(List.of(1), waits, "a light cycle: one spin, then straight to the socket");

        idle.idle(10);
        idle.idle(0);
        idle.idle(0);
        idle.idle(0);
        assertEquals(List.of(1), waits, "a busy cycle: one spin and two yields first");
        idle.idle(0);
        assertEquals(List.of(1, 1), waits, "then the socket");

        idle.reset();
        idle.idle();
        idle.idle();
        assertEquals(List.of(1, 1, 1), waits, "reset forgets the busy cycle");
    }

    @Test
    void shouldWaitAtOnceWithoutSpinsAndUseTheDefaults()
    {
        new SocketIdleStrategy(0, 0, 1, 1, waits::add).idle(0);
        assertEquals(List.of(1), waits);

        final SocketIdleStrategy defaults = new SocketIdleStrategy(waits::add);
        assertEquals(SocketIdleStrategy.DEFAULT_SPINS, defaults.maxSpins());
        assertEquals(SocketIdleStrategy.DEFAULT_TIMEOUT_MS, defaults.timeoutMs());
        assertEquals(SocketIdleStrategy.DEFAULT_YIELDS, defaults.maxYields());
        assertEquals(SocketIdleStrategy.DEFAULT_BUSY_WORK, defaults.busyWork());
        assertEquals(SocketIdleStrategy.ALIAS, defaults.alias());
    }

    @Test
    void shouldRefuseNegativeSpinsAZeroTimeoutAndNoWait()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SocketIdleStrategy(-1, 0, 1, 1, waits::add))
            .getMessage().contains("maxSpins must be 0 or more, got -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SocketIdleStrategy(1, 0, 1, 0, waits::add))
            .getMessage().contains("timeoutMs must be at least 1, got 0"));
        assertThrows(NullPointerException.class, () -> new SocketIdleStrategy(1, 0, 1, 1, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SocketIdleStrategy(0, -1, 1, 1, waits::add))
            .getMessage().contains("maxYields must be 0 or more, got -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SocketIdleStrategy(0, 0, 0, 1, waits::add))
            .getMessage().contains("busyWork must be at least 1, got 0"));
    }
}
