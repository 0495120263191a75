package io.turnstile.tools.load;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LegitClientsMainTest
{
    @Test
    void shouldParseIpv4AndIpv6HostPorts() throws Exception
    {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4433),
            LegitClientsMain.parseHostPort("127.0.0.1:4433"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 5684),
            LegitClientsMain.parseHostPort("[::1]:5684"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 5684),
            LegitClientsMain.parseHostPort("::1:5684"));
    }

    @Test
    void shouldRefuseBadHostPortsByWhatIsWrong()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LegitClientsMain.parseHostPort("4433"))
            .getMessage().contains("HOST:PORT"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LegitClientsMain.parseHostPort("127.0.0.1:x"))
            .getMessage().contains("bad port"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> LegitClientsMain.parseHostPort("127.0.0.1:70000")).getMessage().contains("70000"));
    }
}
