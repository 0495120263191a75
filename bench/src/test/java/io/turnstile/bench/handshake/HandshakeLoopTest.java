package io.turnstile.bench.handshake;

import org.junit.jupiter.api.Test;

import java.net.SocketException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeLoopTest
{
    @Test
    void shouldNameFailuresByClassAndMessageAsSafeJsonKeys()
    {
        assertEquals("SocketException_No_buffer_space_available",
            HandshakeLoop.reason(new SocketException("No buffer space available")));
        assertEquals("IllegalStateException", HandshakeLoop.reason(new IllegalStateException()));
        final String quoted = HandshakeLoop.reason(new SocketException("say \"hi\" \\ " + "x".repeat(100)));
        assertTrue(quoted.matches("[A-Za-z0-9_.-]{1,64}"), quoted);
    }
}
